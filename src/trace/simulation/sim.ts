/**
 * The parts of one simulation run. The kernel calls functions of the file, whose paths call
 * the kernel again (if_clone_create runs the cloner, a freed prison tears its VNET down), so
 * the parts reach one another through this instead of through their constructors.
 */
import type { World } from './world';
import type { Counts } from './counts';
import type { Bindings } from './bindings';
import type { PathChoice } from './path-choice';
import type { PathSteps } from './path-steps';
import type { Invoker } from './invocation';
import type { Cloners } from './cloners';
import type { KernelEvents } from './kernel-events';

export interface Sim {
  /** The state everything below reads and changes. */
  readonly world: World;
  /** Objects and the changes of their counts (every step of the trace). */
  readonly counts: Counts;
  /** Which simulated objects an access path of a running function names. */
  readonly bindings: Bindings;
  /** What the kernel passes a function, and which of its path classes it takes. */
  readonly choice: PathChoice;
  /** A path class's counted steps applied to the simulated objects. */
  readonly pathSteps: PathSteps;
  /** Running one function of the file: its steps and the calls on its lines, in order. */
  readonly invoker: Invoker;
  /** if_clone_create, if_clone_destroy, if_clone_detach. */
  readonly cloners: Cloners;
  /** The scenario's events: jails, devfs, ifconfig, kldload/kldunload. */
  readonly kernel: KernelEvents;
}
