/*
 * lessons/16-capstone/example_speedup.c - a real speed-up, shown honestly.
 *
 *     asynclab lesson 16 --run       (after example.c)
 *
 * The `crunch` scenario (scenarios/scenario_crunch.c): one task spawns 8
 * pieces of pure arithmetic, each yielding between its steps. Nothing in
 * it waits, so the only way to finish sooner is a second core. It runs
 * RUNS times on notify (one thread) and on ws with 2 workers, taking
 * turns, so that both see the same machine; then the medians, side by
 * side, and their ratio:
 *
 *   speed-up = notify's wall time / ws's wall time
 *
 * CPU time is beside the wall time: ws's cpu/wall says how many cores it
 * really had (2.0: two all the time). Whether 2x can show at all depends
 * on the machine, so it prints what it read before the runs - the CPUs
 * online and the 1-minute load average (/proc/loadavg) - and says in a
 * sentence when the machine cannot show it: one CPU, or other work
 * holding a core (load above CPUs - 1.5: fewer than two cores free), or
 * a quiet load and still fewer than 1.6 cores for ws (a virtual
 * machine's host, whose work no load average of ours counts).
 *
 * The same scenario, one run each, with every counter:
 *     asynclab compare crunch --executors notify,ws --workers 2
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "scenarios/measure.h"
#include "scenarios/scenario.h"

#define RUNS 5

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof *v, by_value);
    return v[RUNS / 2];
}

/* The 1-minute load average, or -1 when it cannot be read. */
static double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

int main(void)
{
    const scenario_t *sc = scenario_by_name("crunch");
    if (sc == NULL)
        return 1;
    double load = load_average(); /* before the runs, which add to it */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    static const char *const kinds[] = {"notify", "ws"};
    double wall[2][RUNS], cpu[2][RUNS];
    scenario_measure_t m;
    for (int r = 0; r < RUNS; r++) {
        for (int k = 0; k < 2; k++) {
            scenario_setup_t setup = {.workers = 2};
            scenario_params_init(&setup.params);
            if (scenario_measure(sc, kinds[k], &setup, &m) != 0 || m.err != 0)
                return 1;
            wall[k][r] = m.wall_s;
            cpu[k][r] = m.user_s + m.sys_s;
        }
    }
    printf("%s: %s\n", sc->name, m.result.what);
    printf("%d runs each, notify and ws taking turns; the medians:\n\n", RUNS);
    printf("%-14s %7s %7s %9s\n", "", "wall s", "cpu s", "cpu/wall");
    double w[2], cores = 0; /* ws's cpu/wall: the cores it had */
    for (int k = 0; k < 2; k++) {
        w[k] = median(wall[k]);
        double c = median(cpu[k]);
        cores = w[k] > 0 ? c / w[k] : 0;
        printf("%-14s %7.3f %7.3f %9.2f\n",
               k == 0 ? "notify" : "ws, 2 workers", w[k], c,
               w[k] > 0 ? c / w[k] : 0);
    }
    printf("\nspeed-up (notify's wall / ws's): %.2fx\n",
           w[1] > 0 ? w[0] / w[1] : 0);
    printf("CPUs online: %ld; load average (1 min) before the runs: %.2f\n",
           cpus, load);
    if (cpus < 2)
        printf("one CPU: the two workers take turns on one core, so no "
               "speed-up is possible here; expect about 1x\n");
    else if (load < 0)
        printf("the load average cannot be read: whether two cores were "
               "free is not known\n");
    else if (load > (double)cpus - 1.5)
        printf("the machine is busy (load %.2f): other work holds a core, "
               "so ws can't show its 2x here; try again when "
               "/proc/loadavg starts below %.1f\n",
               load, (double)cpus - 1.5);
    else if (cores < 1.6)
        printf("the load was low (%.2f), yet ws had only %.2f cores on "
               "average (its cpu/wall): the load average counts this "
               "machine's threads only, and a virtual machine's host may "
               "be running something else on the other core\n",
               load, cores);
    else
        printf("the machine was quiet (load %.2f) and ws had %.2f cores on "
               "average (its cpu/wall): this is the speed-up of a second "
               "core\n",
               load, cores);
    return 0;
}
