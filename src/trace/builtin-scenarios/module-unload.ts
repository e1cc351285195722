export const MODULE_UNLOAD = `# ifconfig tun0 create, then kldunload if_tuntap: the module's MOD_UNLOAD handler,
# its VNET_SYSUNINITs (for every VNET) and SYSUNINITs must destroy what it created.
scenario module-unload
description: ifconfig \${device}0 create, then kldunload $module
fact device exists: no
ifconfig \${device}0 create
kldunload $module
`;
