/**
 * The refcount API model: data, never code. One row per API function, in the
 * spirit of Smatch's refcount tables. Presets (freebsd, linux) and user files
 * (.refcount-lens.json, --model) all have this shape.
 */
import type { UnknownCallsSpec } from './unknown-calls';

/** Where an effect lands, relative to the call: `arg0`, `*arg1`, `arg0->f->g`, `ret`, `*ret`. */
export type TargetText = string;

/**
 * A condition on the call's outcome or arguments, a conjunction joined by `&&`:
 * `ret == 0`, `ret != 0`, `ret == NULL`, `ret != NULL`, `ret` (true), `!ret`,
 * `ret.file != NULL` (a field of a struct returned by value),
 * `arg0 & MAKEDEV_REF` (a flag in an argument), `arg0->mda_flags & MAKEDEV_REF`
 * (a flag in a field of a struct passed by address), `!(argN & FLAG)`.
 */
export type ConditionText = string;

export type OpName = 'acquire' | 'release' | 'create' | 'destroy' | 'lookup' | 'keep';

/** One effect of a call. Exactly one of the op keys is set. */
export interface EffectSpec {
  acquire?: TargetText;
  release?: TargetText;
  /** The object's existence reference (make_dev, kref_init, if_alloc). */
  create?: TargetText;
  /** Drops the existence reference (destroy_dev). */
  destroy?: TargetText;
  /** Points the target at an existing object without taking a reference (clone_create finding a unit). */
  lookup?: TargetText;
  /**
   * Keeps the target in a place the caller cannot see (a table written through a function pointer): the
   * references the caller holds on what the target names, or is a handle of (a frame number), go there.
   */
  keep?: TargetText;
  when?: ConditionText;
  /**
   * What must hold of the arguments for the result to pass `when`'s test of `ret`: `"arg0 !=
   * IDLE_DOMAIN_ID"` says a lookup never finds the idle domain (it returns NULL for that id).
   */
  onlyIf?: ConditionText;
  /** Object kind (cdev, ucred, kref...). Defaults to the C struct name when known. */
  kind?: string;
  /** How many references; default 1. */
  count?: number;
  /** A separate counter on the same object (si_threadcount): paired but not mixed with the main count. */
  counter?: string;
  /** Short label shown in hints, e.g. "MAKEDEV_REF". */
  label?: string;
  /**
   * A release given NULL does nothing (`kfree(NULL)`, `of_node_put(NULL)`); `false` when the API
   * must not be given NULL (xen's `rcu_unlock_domain(NULL)` drops an RCU read lock nobody took):
   * a path that releases a NULL it knows of is an over-release.
   */
  nullSafe?: boolean;
  /**
   * The effect happens even when the call fails (pm_runtime_get_sync). Documentation only: `when`
   * absent means always.
   */
  note?: string;
  /**
   * How a path condition says that the call returned one class of values, by return class:
   * `{"ret == 0": "found an existing device", "ret != 0": "found no device"}` makes a test of
   * its result read `clone_create() found no device`. Keys: `ret == 0`, `ret != 0`, `ret == NULL`,
   * `ret != NULL`, `ret < 0`, `ret >= 0`, `ret > 0`, `ret <= 0`, `ret == NAME`, `ret != NAME`.
   */
  says?: Record<string, string>;
}

export type FunctionSpec = EffectSpec | EffectSpec[];

/** Functions that never return (panic). */
export interface NoReturnSpec {
  noreturn: true;
}

/**
 * A macro-style iterator whose loop variable holds a reference while inside the loop, or (`holds: false`)
 * one that only walks a list: its variable is never NULL in the body and NULL once the loop runs out.
 */
export interface IteratorSpec {
  /** Argument index of the loop variable. */
  var: number;
  kind?: string;
  /**
   * Each iteration releases the previous element: leaving the loop early keeps one reference.
   * `false`: no reference at all (`TAILQ_FOREACH`), a walk the analysis follows only for its NULL tests.
   */
  holds?: boolean;
}

/**
 * A registration that binds a callback to a contract, e.g.
 * EVENTHANDLER_REGISTER(dev_clone, fn, arg, prio).
 */
export interface RegistrationSpec {
  /** Required literal arguments, e.g. {"0": "dev_clone"}. */
  match?: Record<string, string>;
  /** Argument index of the callback function. */
  callback: number;
  /** Human name for messages: "dev_clone handler". */
  role: string;
  /** Facts the invoker guarantees about the callback's parameters, e.g. ["arg1 != NULL"]. */
  facts?: string[];
  /** What the callback must do to a parameter-relative object. */
  contract?: ContractSpec;
  /** Lifecycle event this registration plugs the callback into (used by the trace). */
  event?: string;
}

export interface ContractSpec {
  target: TargetText;
  /** References the callback must add, counted beyond any existence reference it created. */
  delta: number;
  /** Paths on which the target is not set must leave it at 0. */
  zeroWhenUnset?: boolean;
  /** Words for the message: "hand the invoker exactly one reference". */
  why?: string;
}

/**
 * `rcu_assign_pointer(p, v)` is `p = v`: `{ "to": "arg0", "value": 1 }`; `rcu_replace_pointer` also
 * returns p's old value.
 */
/** A call that links an object into a list or a tree (`RB_INSERT(name, &head, elm)`). */
export interface LinkSpec {
  /**
   * The argument index of the list head's pointer (`&head`), or `ret`: a new object the call returns, made to be
   * handed out (`anon_inode_getfile(name, fops, priv, flags)` makes `priv` the new file's private data).
   */
  into: number | 'ret';
  /** The argument index of the object linked. */
  value: number;
}

export interface AssignSpec {
  /** Where the value goes (`arg0` for a macro given the lvalue itself, `*arg0` for a pointer to it). */
  to: TargetText;
  /** The argument index of the value stored. */
  value: number;
  /** `"old"`: the call's result is what `to` held before the store. */
  returns?: 'old';
}

/**
 * An assertion: after the call, its argument `arg` holds (`ASSERT(owner == d)`, `VERIFY3P(p != NULL)`);
 * with `holds: false`, it is false (`BUG_ON(!p)`, `VERIFY0(hold(x))`). A path where it would not is not followed.
 */
/** The count a member holds: the main count of objects of `kind`, or their separate `counter`. */
export interface CountMemberSpec {
  kind: string;
  counter?: string;
}

export type AssertSpec = number | { arg: number; holds?: boolean };

export interface ModelFile {
  $schema?: string;
  description?: string;
  note?: string;
  extends?: string[];
  functions?: Record<string, FunctionSpec>;
  noreturn?: string[];
  /** Calls that are the identity on one argument (likely, __DECONST): name -> argument index. */
  transparent?: Record<string, number>;
  /** Calls whose result is one of their arguments (crhold, of_node_get, dget): name -> argument index. */
  returnsArgument?: Record<string, number>;
  /**
   * Calls whose result is a handle of one argument's object, not the pointer (a mapping of a page,
   * its frame number, a table entry made from the frame): name -> argument index. Storing the handle,
   * returning it or handing it out through an out-parameter keeps the object as storing the pointer would.
   */
  handles?: Record<string, number>;
  /**
   * Lookups that find their result by a handle of it (xen's `get_page_from_gfn(d, gfn, ...)`, a page by its
   * frame number): name -> the argument index of the handle. From the call on, that value names the object
   * found, as a `handles` call's result does: a handle made from it, stored or handed out, keeps the object.
   */
  foundBy?: Record<string, number>;
  /** Calls that test their argument for "no object" like `x == NULL` (IS_ERR_OR_NULL). */
  nullTests?: string[];
  /** Calls that test their two arguments for equality like `a == b` (Xen's typesafe `mfn_eq(m, INVALID_MFN)`). */
  equals?: string[];
  /** Calls that only read their arguments: never a transfer of a reference. */
  borrows?: string[];
  /** How calls of functions nobody describes (no row, no body) are read: see model/unknown-calls.ts. */
  unknownCalls?: UnknownCallsSpec;
  /** Calls that fill a struct with zeros (make_dev_args_init): name -> target. */
  zeroes?: Record<string, TargetText>;
  /** Calls that store a value (rcu_assign_pointer, WRITE_ONCE): name -> where and what. */
  assigns?: Record<string, AssignSpec>;
  /** Calls that link an object into a list or a tree its head reaches (RB_INSERT): name -> which arguments. */
  links?: Record<string, LinkSpec>;
  /** Calls that free memory (free, kfree, uma_zfree): name -> argument index of the freed pointer. */
  frees?: Record<string, number>;
  /** Assertions (ASSERT, VERIFY3P, BUG_ON): name -> the argument that holds (or fails) after the call. */
  asserts?: Record<string, AssertSpec>;
  iterators?: Record<string, IteratorSpec>;
  registrations?: Record<string, RegistrationSpec | RegistrationSpec[]>;
  /**
   * Callback fields that pair up, taking field -> dropping field (`"irq_enable": "irq_disable"`): a
   * function bound to one of them, in a table that binds the other too, keeps references across the
   * pair on purpose (bookkeeping, not an inconsistency).
   */
  pairedCallbacks?: Record<string, string>;
  /** Struct-name -> kind, when a kind is named differently from its struct. */
  kinds?: Record<string, string>;
  /**
   * Members that hold the count a kind's rows move (`"v_iocount": {"kind": "vnode"}`; with `counter`, that
   * separate counter): a raw update of the member (`vp->v_iocount++`, `vp->v_iocount--`) counts on the struct
   * that holds it as the kind's rows do (`vnode_get()`, `vnode_put()`).
   */
  countMembers?: Record<string, CountMemberSpec>;
  /**
   * Macros taken as defined for conditional compilation (a FreeBSD GENERIC kernel: INET, INET6, VIMAGE);
   * `CONFIG_*` defines a prefix, `IS_USED(module)` a function-like macro `#if` can call.
   */
  defines?: Record<string, string>;
  /** Macros taken as not defined, after this file's `defines` (`CONFIG_DEBUG` under `CONFIG_*`). */
  undefines?: string[];
}
