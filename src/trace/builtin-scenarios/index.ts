/**
 * Built-in FreeBSD scenarios, in the same line form as a user's `.rlscenario` file.
 * `$device` is the analysed file's device name (tun for if_tuntap.c), `$module` its module.
 */
import { VNET_JAIL_DEVFS_CLONE } from './vnet-jail-devfs-clone';
import { IFCONFIG_CREATE_DESTROY } from './ifconfig-create-destroy';
import { OPEN_CLOSE } from './open-close';
import { MODULE_UNLOAD } from './module-unload';

export interface BuiltinScenario {
  name: string;
  title: string;
  text: string;
}

export const BUILTIN_SCENARIOS: BuiltinScenario[] = [
  {
    name: 'vnet-jail-devfs-clone',
    title: 'VNET jail clones a device through devfs, then exits (jail -c name=test vnet command=ls /dev/tun; jls -vd)',
    text: VNET_JAIL_DEVFS_CLONE,
  },
  {
    name: 'ifconfig-create-destroy',
    title: 'ifconfig IF create, then ifconfig IF destroy',
    text: IFCONFIG_CREATE_DESTROY,
  },
  { name: 'open-close', title: 'open the cloning device, close it, destroy the interface', text: OPEN_CLOSE },
  { name: 'module-unload', title: 'create an interface, then kldunload the module', text: MODULE_UNLOAD },
];

export function builtinScenario(name: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}
