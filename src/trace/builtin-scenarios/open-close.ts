export const OPEN_CLOSE = `# open /dev/tun (devfs clones tun0 and opens it), close it, destroy the interface
scenario open-close
description: open /dev/$device, close /dev/\${device}0, ifconfig \${device}0 destroy
fact device exists: no
fact privileged: yes
open /dev/$device
close /dev/\${device}0
ifconfig \${device}0 destroy
`;
