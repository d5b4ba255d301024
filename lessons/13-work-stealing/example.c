/*
 * lessons/13-work-stealing/example.c - the work-stealing runtime, in
 * threads and in simulation.
 *
 *     asynclab lesson 13 --run
 *
 * 1. fanout (one task spawns 1000 children that work and yield) on 2 real
 *    worker threads: the children land in the spawner's ring (a spawn
 *    from a worker goes to its own ring), so the other worker must steal
 *    to help. The numbers vary from run to run: threads race.
 * 2. The same in simulation mode: both workers interleaved on one thread
 *    by a seeded PRNG, virtual time. Each seed is one interleaving; the
 *    same seed gives the same run, event for event - the trace hash shows
 *    it.
 */
#include <stdio.h>

#include "bench/executors.h"
#include "scenarios/scenario.h"
#include "core/trace.h"

static void fanout(bool sim, uint64_t seed, int workers)
{
    trace_hash_sink_t hash;
    trace_hash_sink_init(&hash);
    executor_config_t cfg = {.kind = executor_kind_by_name("ws"),
                             .workers = workers,
                             .sim = sim,
                             .seed = seed,
                             .virtual_time = sim,
                             .trace = sim ? &hash.sink : NULL};
    executor_t *ex = executor_create(&cfg);
    scenario_params_t p;
    scenario_params_init(&p);
    scenario_result_t res;
    scenario_by_name("fanout")->run(ex, &p, &res);
    executor_stats_t st;
    executor_stats(ex, &st);
    if (sim)
        printf("   sim seed %llu, %d workers: steals %llu (tasks moved "
               "%llu), parks %llu, trace hash %016llx\n",
               (unsigned long long)seed, workers, (unsigned long long)st.steals,
               (unsigned long long)st.stolen, (unsigned long long)st.parks,
               (unsigned long long)hash.hash);
    else
        printf("   threads, %d workers: steals %llu (tasks moved %llu), "
               "parks %llu\n",
               workers, (unsigned long long)st.steals,
               (unsigned long long)st.stolen, (unsigned long long)st.parks);
    executor_destroy(ex);
}

int main(void)
{
    printf("1. fanout on real threads (three runs):\n");
    for (int i = 0; i < 3; i++)
        fanout(false, 0, 2);
    printf("\n2. fanout simulated:\n");
    fanout(true, 1, 2);
    fanout(true, 1, 2);
    fanout(true, 2, 2);
    fanout(true, 7, 4);
    printf("\nSame seed, same hash: a steal you saw once can be replayed "
           "and stepped\n(asynclab run fanout --executor ws --sim --seed "
           "1).\n");
    return 0;
}
