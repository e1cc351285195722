export const IFCONFIG_CREATE_DESTROY = `# ifconfig tun0 create; ifconfig tun0 destroy (on the host)
# The cloner's create function runs, then its destroy function: every reference the
# create took must be gone once destroy_dev() has dropped the existence reference.
scenario ifconfig-create-destroy
description: ifconfig \${device}0 create, then ifconfig \${device}0 destroy
fact device exists: no
ifconfig \${device}0 create
ifconfig \${device}0 destroy
`;
