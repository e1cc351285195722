export const VNET_JAIL_DEVFS_CLONE = `# The seed's reproduction:
#   jail -c name=test vnet command=ls /dev/tun
#   jls -vd
# ls looks /dev/tun up inside the VNET jail: devfs runs the dev_clone handlers with the
# jail's credential, which clone tun0 (a cdev holding that credential) and its interface.
# When ls exits the jail is removed; it must not stay DYING.
scenario vnet-jail-devfs-clone
description: jail -c name=test vnet command=ls /dev/$device, then jls -vd
fact device exists: no
fact privileged: yes
jail create test vnet
lookup /dev/$device in test
process exit in test
jls -vd
`;
