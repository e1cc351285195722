#include <sys/conf.h>
/*
 * pcd: a small FreeBSD-style cloning pseudo-device, written for Refcount Lens.
 * Looking up /dev/pcd or /dev/pcdN creates a character device and a network
 * interface of the same name, the way tun(4) does.
 *
 * FIXED version (see README.md; clonedev_buggy.c has the bugs):
 *   pcd_clone()          takes a dev_ref() only for a device that already
 *                        existed; a new one carries MAKEDEV_REF;
 *   pcd_clone_create()   takes no reference of its own;
 *   pcd_prison_remove()  detaches a removed VNET jail's cloners, so the
 *                        devices made with the jail's credential go away and
 *                        the prison can die.
 * An illustration in the kernel's style, not a driver to build.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/eventhandler.h>
#include <sys/jail.h>
#include <sys/kernel.h>
#include <sys/malloc.h>
#include <sys/module.h>
#include <sys/osd.h>
#include <sys/priv.h>
#include <sys/queue.h>
#include <sys/ucred.h>

#include <net/if.h>
#include <net/if_var.h>
#include <net/if_clone.h>
#include <net/if_types.h>
#include <net/vnet.h>

static MALLOC_DEFINE(M_PCD, "pcd", "pcd cloning pseudo-device");

struct pcd_driver;

struct pcd_softc {
	LIST_ENTRY(pcd_softc)	 sc_link;
	struct pcd_driver	*sc_drv;
	struct cdev		*sc_dev;	/* our character device */
	struct ifnet		*sc_ifp;	/* our interface */
	int			 sc_unit;
	int			 sc_flags;
#define	PCD_OPEN	0x0001
};

static d_open_t		pcd_open;
static d_close_t	pcd_close;

static int	pcd_clone_match(struct if_clone *, const char *);
static int	pcd_clone_create(struct if_clone *, char *, size_t,
		    struct ifc_data *, struct ifnet **);
static int	pcd_clone_destroy(struct if_clone *, struct ifnet *, uint32_t);

/* One row per flavour of the device; pcd has a single flavour. */
static struct pcd_driver {
	struct cdevsw		 cdevsw;
	struct clonedevs	*clones;
	ifc_match_f		*clone_match_fn;
	ifc_create_f		*clone_create_fn;
	ifc_destroy_f		*clone_destroy_fn;
} pcd_drivers[] = {
	{
		.cdevsw = {
			.d_version =	D_VERSION,
			.d_flags =	D_NEEDMINOR,
			.d_open =	pcd_open,
			.d_close =	pcd_close,
			.d_name =	"pcd",
		},
		.clone_match_fn =	pcd_clone_match,
		.clone_create_fn =	pcd_clone_create,
		.clone_destroy_fn =	pcd_clone_destroy,
	},
};

/* The interface cloners of one VNET, one per flavour. */
struct pcd_cloner {
	SLIST_ENTRY(pcd_cloner)	 pc_link;
	struct pcd_driver	*pc_drv;
	struct if_clone		*pc_ifc;
};
SLIST_HEAD(pcd_cloner_list, pcd_cloner);
VNET_DEFINE_STATIC(struct pcd_cloner_list, pcd_cloners);
#define	V_pcd_cloners	VNET(pcd_cloners)

LIST_HEAD(pcd_softc_list, pcd_softc);

static struct mtx pcd_mtx;
static struct pcd_softc_list pcd_softcs = LIST_HEAD_INITIALIZER(pcd_softcs);
static eventhandler_tag pcd_clone_tag;
static int pcd_osd_slot;
static int pcd_devfs_cloning = 1;

/* The flavour of a name ("pcd", "pcd3") and its unit (-1: none given). */
static struct pcd_driver *
pcd_lookup_name(const char *name, int *unitp)
{
	struct pcd_cloner *pc;
	struct pcd_driver *found;
	char *dname;
	int unit;

	found = NULL;
	unit = -1;
	dname = __DECONST(char *, name);
	SLIST_FOREACH(pc, &V_pcd_cloners, pc_link) {
		if (strcmp(name, pc->pc_drv->cdevsw.d_name) == 0 ||
		    dev_stdclone(dname, NULL, pc->pc_drv->cdevsw.d_name,
		    &unit) == 1) {
			found = pc->pc_drv;
			break;
		}
	}
	if (found != NULL && unitp != NULL)
		*unitp = unit;
	return (found);
}

/*
 * Make the character device of a new unit: with a credential (devfs lookup)
 * it comes back with MAKEDEV_REF, one reference for the caller on top of its
 * existence; without one (ifconfig create), with its existence only.
 */
static int
pcd_create_device(struct pcd_driver *drv, int unit, struct ucred *cr,
    struct cdev **dev, const char *name)
{
	struct make_dev_args args;
	struct pcd_softc *sc;
	int error;

	sc = malloc(sizeof(*sc), M_PCD, M_WAITOK | M_ZERO);
	sc->sc_drv = drv;
	sc->sc_unit = unit;

	make_dev_args_init(&args);
	if (cr != NULL)
		args.mda_flags = MAKEDEV_REF | MAKEDEV_CHECKNAME;
	args.mda_devsw = &drv->cdevsw;
	args.mda_cr = cr;
	args.mda_uid = UID_ROOT;
	args.mda_gid = GID_WHEEL;
	args.mda_mode = 0600;
	args.mda_unit = unit;
	args.mda_si_drv1 = sc;
	error = make_dev_s(&args, dev, "%s", name);
	if (error != 0) {
		free(sc, M_PCD);
		return (error);
	}

	sc->sc_dev = *dev;
	mtx_lock(&pcd_mtx);
	LIST_INSERT_HEAD(&pcd_softcs, sc, sc_link);
	mtx_unlock(&pcd_mtx);
	return (0);
}

static void
pcd_attach_ifnet(struct cdev *dev)
{
	struct pcd_softc *sc;
	struct ifnet *ifp;

	sc = dev->si_drv1;
	ifp = if_alloc(IFT_PPP);
	ifp->if_softc = sc;
	if_initname(ifp, sc->sc_drv->cdevsw.d_name, sc->sc_unit);
	ifp->if_flags = IFF_POINTOPOINT | IFF_MULTICAST;
	if_attach(ifp);
	sc->sc_ifp = ifp;
}

static int
pcd_clone_match(struct if_clone *ifc __unused, const char *name)
{

	return (pcd_lookup_name(name, NULL) != NULL);
}

/* `ifconfig pcd0 create`, and if_clone_create() from pcd_clone(). */
static int
pcd_clone_create(struct if_clone *ifc __unused, char *name, size_t len,
    struct ifc_data *ifd __unused, struct ifnet **ifpp)
{
	struct pcd_driver *drv;
	struct pcd_softc *sc;
	struct cdev *dev;
	int error, unit;

	drv = pcd_lookup_name(name, &unit);
	if (drv == NULL)
		return (ENXIO);
	if (unit < 0)
		unit = 0;
	snprintf(name, len, "%s%d", drv->cdevsw.d_name, unit);

	/* A device may already exist, made by a devfs lookup. */
	dev = NULL;
	error = clone_create(&drv->clones, &drv->cdevsw, &unit, &dev, 0);
	if (error != 0)
		error = pcd_create_device(drv, unit, NULL, &dev, name);
	if (error != 0)
		return (error);

	pcd_attach_ifnet(dev);
	sc = dev->si_drv1;
	*ifpp = sc->sc_ifp;
	return (0);
}

static int
pcd_clone_destroy(struct if_clone *ifc __unused, struct ifnet *ifp,
    uint32_t flags __unused)
{
	struct pcd_softc *sc;

	sc = ifp->if_softc;
	mtx_lock(&pcd_mtx);
	LIST_REMOVE(sc, sc_link);
	mtx_unlock(&pcd_mtx);

	if_detach(ifp);
	if_free(ifp);
	destroy_dev(sc->sc_dev);
	free(sc, M_PCD);
	return (0);
}

/*
 * devfs calls this when a name under /dev is not found.  A device returned
 * in *dev must carry exactly one reference for devfs, which drops it after
 * the lookup.
 */
static void
pcd_clone(void *arg __unused, struct ucred *cred, char *name, int namelen,
    struct cdev **dev)
{
	char devname[SPECNAMELEN + 1];
	struct pcd_driver *drv;
	int i, u;

	if (*dev != NULL)
		return;

	CURVNET_SET(CRED_TO_VNET(cred));
	drv = pcd_lookup_name(name, &u);
	if (drv == NULL)
		goto out;		/* not one of ours */
	if (u > IF_MAXUNIT)
		goto out;
	if (!pcd_devfs_cloning)
		goto out;
	if (priv_check_cred(cred, PRIV_NET_IFCREATE) != 0)
		goto out;

	/* an existing device, or a fresh unit number */
	i = clone_create(&drv->clones, &drv->cdevsw, &u, dev, 0);
	if (i) {
		snprintf(devname, sizeof(devname), "%s%d",
		    drv->cdevsw.d_name, u);
		name = devname;
		namelen = strlen(devname);
		i = pcd_create_device(drv, u, cred, dev, name);
	} else {
		dev_ref(*dev);	/* the existing device's one for devfs */
	}
	if (i == 0)
		if_clone_create(name, namelen, NULL);
out:
	CURVNET_RESTORE();
}

static int
pcd_open(struct cdev *dev, int oflags __unused, int devtype __unused,
    struct thread *td __unused)
{
	struct pcd_softc *sc;
	struct cdevsw *csw;
	int error, ref;

	csw = dev_refthread(dev, &ref);
	if (csw == NULL)
		return (ENXIO);
	sc = dev->si_drv1;
	mtx_lock(&pcd_mtx);
	if ((sc->sc_flags & PCD_OPEN) != 0) {
		error = EBUSY;
	} else {
		sc->sc_flags |= PCD_OPEN;
		error = 0;
	}
	mtx_unlock(&pcd_mtx);
	dev_relthread(dev, ref);
	return (error);
}

static int
pcd_close(struct cdev *dev, int fflag __unused, int devtype __unused,
    struct thread *td __unused)
{
	struct pcd_softc *sc;
	int ref;

	if (dev_refthread(dev, &ref) == NULL)
		return (ENXIO);
	sc = dev->si_drv1;
	mtx_lock(&pcd_mtx);
	sc->sc_flags &= ~PCD_OPEN;
	mtx_unlock(&pcd_mtx);
	dev_relthread(dev, ref);
	return (0);
}

static void
vnet_pcd_init(const void *unused __unused)
{
	struct pcd_cloner *pc;
	int i;

	SLIST_INIT(&V_pcd_cloners);
	for (i = 0; i < nitems(pcd_drivers); i++) {
		struct if_clone_addreq req = {
			.match_f = pcd_clone_match,
			.create_f = pcd_clone_create,
			.destroy_f = pcd_clone_destroy,
		};

		pc = malloc(sizeof(*pc), M_PCD, M_WAITOK | M_ZERO);
		pc->pc_drv = &pcd_drivers[i];
		pc->pc_ifc = ifc_attach_cloner(pc->pc_drv->cdevsw.d_name, &req);
		SLIST_INSERT_HEAD(&V_pcd_cloners, pc, pc_link);
	}
}
VNET_SYSINIT(vnet_pcd_init, SI_SUB_PROTO_IF, SI_ORDER_ANY, vnet_pcd_init,
    NULL);

/* A VNET goes away: destroy its interfaces and, with them, their devices. */
static void
vnet_pcd_uninit(const void *unused __unused)
{
	struct pcd_cloner *pc;

	while ((pc = SLIST_FIRST(&V_pcd_cloners)) != NULL) {
		SLIST_REMOVE_HEAD(&V_pcd_cloners, pc_link);
		if_clone_detach(pc->pc_ifc);
		free(pc, M_PCD);
	}
}
VNET_SYSUNINIT(vnet_pcd_uninit, SI_SUB_PROTO_IF, SI_ORDER_ANY,
    vnet_pcd_uninit, NULL);

/*
 * A device made by a devfs lookup in a VNET jail holds the jail's credential,
 * and so its prison: the VNET would only be torn down (vnet_pcd_uninit) once
 * the prison is gone, which never happens while the device exists.  Detach
 * the jail's cloners when it is removed.
 */
static int
pcd_prison_remove(void *obj, void *data __unused)
{
	struct prison *pr;
	struct pcd_cloner *pc;

	pr = obj;
	if (!prison_owns_vnet(pr))
		return (0);
	CURVNET_SET(pr->pr_vnet);
	while ((pc = SLIST_FIRST(&V_pcd_cloners)) != NULL) {
		SLIST_REMOVE_HEAD(&V_pcd_cloners, pc_link);
		if_clone_detach(pc->pc_ifc);
		free(pc, M_PCD);
	}
	CURVNET_RESTORE();
	return (0);
}

static int
pcd_modevent(module_t mod __unused, int type, void *data __unused)
{
	osd_method_t methods[PR_MAXMETHOD];
	int i;

	switch (type) {
	case MOD_LOAD:
		mtx_init(&pcd_mtx, "pcd", NULL, MTX_DEF);
		for (i = 0; i < nitems(pcd_drivers); i++)
			clone_setup(&pcd_drivers[i].clones);
		bzero(methods, sizeof(methods));
		methods[PR_METHOD_REMOVE] = pcd_prison_remove;
		pcd_osd_slot = osd_jail_register(NULL, methods);
		pcd_clone_tag = EVENTHANDLER_REGISTER(dev_clone, pcd_clone, 0,
		    1000);
		if (pcd_clone_tag == NULL)
			return (ENOMEM);
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(dev_clone, pcd_clone_tag);
		osd_jail_deregister(pcd_osd_slot);
		for (i = 0; i < nitems(pcd_drivers); i++)
			clone_cleanup(&pcd_drivers[i].clones);
		mtx_destroy(&pcd_mtx);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t pcd_mod = {
	"pcd",
	pcd_modevent,
	NULL
};
DECLARE_MODULE(pcd, pcd_mod, SI_SUB_PSEUDO, SI_ORDER_ANY);
MODULE_VERSION(pcd, 1);
