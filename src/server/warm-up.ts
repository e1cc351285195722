/**
 * The server's first analysis runs on cold code: V8 interprets, then compiles what turns out
 * hot, and a first file pays for that (a 2,000-line driver: about 0.5 s cold, 0.33 s after one
 * small file). When the server starts before any C file is open (VS Code starts it with the
 * workspace), it spends that idle moment analysing a small driver of its own with a throwaway
 * analyser, so the user's first file finds the analysis already compiled. Nothing of the
 * warm-up is kept: its analyser, cache and results are dropped, and results never depend on it.
 */
import { parserWasm } from '../files/parser-wasm';
import { Analyzer } from '../analysis/analyzer';

/** A small driver in the shapes real ones take: creation, lookups, error paths, loops, callbacks. */
const DRIVER = `
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/ucred.h>

struct wu_softc { struct cdev *sc_dev; struct ucred *sc_cred; int sc_unit; LIST_ENTRY(wu_softc) sc_link; };
static struct wu_list_head wu_list;
static struct cdevsw wu_cdevsw;

static int
wu_create(int unit, struct ucred *cr, struct cdev **dev)
{
	struct make_dev_args args;
	struct wu_softc *sc;
	int error;

	sc = malloc(sizeof(*sc), M_DEVBUF, M_WAITOK | M_ZERO);
	make_dev_args_init(&args);
	if (cr != NULL)
		args.mda_flags = MAKEDEV_REF;
	args.mda_devsw = &wu_cdevsw;
	args.mda_unit = unit;
	args.mda_si_drv1 = sc;
	error = make_dev_s(&args, dev, "wu%d", unit);
	if (error != 0) {
		free(sc, M_DEVBUF);
		return (error);
	}
	sc->sc_dev = *dev;
	sc->sc_cred = crhold(cr);
	LIST_INSERT_HEAD(&wu_list, sc, sc_link);
	return (0);
}

static struct wu_softc *
wu_find(int unit)
{
	struct wu_softc *sc;

	LIST_FOREACH(sc, &wu_list, sc_link) {
		if (sc->sc_unit == unit) {
			dev_ref(sc->sc_dev);
			return (sc);
		}
	}
	return (NULL);
}

static void
wu_clone(void *arg, struct ucred *cred, char *name, int namelen, struct cdev **dev)
{
	struct wu_softc *sc;
	int unit;

	if (*dev != NULL || sscanf(name, "wu%d", &unit) != 1)
		return;
	sc = wu_find(unit);
	switch (unit) {
	case 0:
		if (sc == NULL)
			break;
		*dev = sc->sc_dev;
		return;
	default:
		if (sc != NULL)
			dev_rel(sc->sc_dev);
		break;
	}
	if (wu_create(unit, cred, dev) != 0)
		goto fail;
	return;
fail:
	crfree(cred);
}

static int
wu_close(struct cdev *dev, int flags)
{
	struct wu_softc *sc = dev->si_drv1;

	if (sc->sc_cred != NULL) {
		crfree(sc->sc_cred);
		sc->sc_cred = NULL;
	}
	dev_rel(dev);
	return (flags & 1 ? EBUSY : 0);
}

static void
wu_init(void)
{
	EVENTHANDLER_REGISTER(dev_clone, wu_clone, 0, 1000);
}
`;

/** Analyses the built-in driver with a fresh analyser, so V8 compiles the analysis before it is needed. */
export async function warmUp(): Promise<void> {
  const analyzer = await Analyzer.create({ preset: 'freebsd' }, parserWasm());
  const parsed = analyzer.parse(DRIVER);
  try {
    analyzer.analyzeParsed('warm-up.c', parsed);
  } finally {
    parsed.tree.delete();
  }
}
