// Refcount Lens's peer check in Coccinelle, for the benchmark (bench/bench.ts).
// It looks for the same kinds of problem as refcount-lens, as far as an
// intraprocedural semantic patch can:
//   1. leak:      a dev_ref() that some path to a return neither releases
//                 (dev_rel, destroy_dev), returns nor stores;
//   2. makedev:   a device made by make_dev_s() with MAKEDEV_REF in
//                 args.mda_flags, then dev_ref()'d again (one reference too
//                 many: the tunclone() bug), directly in one function;
//   3. makedev_callee: the same through a helper that makes the device with
//                 MAKEDEV_REF into an out-parameter (tun_create_device()),
//                 followed by dev_ref(*dev) in the caller.
// Run: spatch --sp-file refcount.cocci --dir TREE --very-quiet --no-includes

virtual report

// ---- 1. dev_ref() with a path to a return that keeps the reference
@leak exists@
expression D, E;
position p1, p2;
@@

dev_ref@p1(D);
... when != dev_rel(D)
    when != destroy_dev(D)
    when != D = E
    when != E = D
    when != return D;
    when != return (D);
return@p2 ...;

@script:python depends on report@
p1 << leak.p1;
p2 << leak.p2;
@@
coccilib.report.print_report(p1[0], "leak: dev_ref() not released on the path returning at line %s" % p2[0].line)

// ---- 2. MAKEDEV_REF then dev_ref(), in one function
@makedev exists@
identifier a;
expression D, E;
position p;
@@

a.mda_flags = <+... MAKEDEV_REF ...+>;
...
(
make_dev_s(&a, &D, ...);
|
E = make_dev_s(&a, &D, ...);
|
make_dev_s(&a, D, ...);
|
E = make_dev_s(&a, D, ...);
)
...
(
dev_ref@p(D);
|
dev_ref@p(*D);
)

@script:python depends on report@
p << makedev.p;
@@
coccilib.report.print_report(p[0], "makedev: dev_ref() on a device made with MAKEDEV_REF (one reference too many)")

// ---- 3. a helper that makes *out with MAKEDEV_REF, then dev_ref(*out) in its caller
@helper exists@
identifier fn, a, out;
type T;
expression E;
@@

fn(..., T **out, ...) {
<+...
a.mda_flags = <+... MAKEDEV_REF ...+>;
...
(
make_dev_s(&a, out, ...);
|
E = make_dev_s(&a, out, ...);
)
...+>
}

@makedev_callee exists@
identifier helper.fn;
expression D, E;
position p;
@@

(
fn(..., D, ...);
|
E = fn(..., D, ...);
)
...
dev_ref@p(*D);

@script:python depends on report@
p << makedev_callee.p;
@@
coccilib.report.print_report(p[0], "makedev: dev_ref() on a device a MAKEDEV_REF helper made (one reference too many)")
