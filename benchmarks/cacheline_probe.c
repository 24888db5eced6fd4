/* Cache-line round trip between two threads: how dear it is, right now, to move data
 * between the cores. Prints the nanoseconds of one round trip, the median of 5 runs of
 * ROUND_TRIPS. On a shared VM this swings 5-20 times while arithmetic does not; the
 * benchmark harness (benchmarks/cacheline.py) records it before every trial. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUND_TRIPS 40000
#define RUNS 5

static _Atomic int flag __attribute__((aligned(64)));

static void *answer(void *unused) {
    (void)unused;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        while (atomic_load_explicit(&flag, memory_order_acquire) != 1) {}
        atomic_store_explicit(&flag, 0, memory_order_release);
    }
    return NULL;
}

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    double ns[RUNS];
    for (int r = 0; r < RUNS; r++) {
        pthread_t other;
        atomic_store(&flag, 0);
        if (pthread_create(&other, NULL, answer, NULL) != 0) return 1;
        double start = seconds();
        for (int i = 0; i < ROUND_TRIPS; i++) {
            atomic_store_explicit(&flag, 1, memory_order_release);
            while (atomic_load_explicit(&flag, memory_order_acquire) != 0) {}
        }
        ns[r] = (seconds() - start) / ROUND_TRIPS * 1e9;
        pthread_join(other, NULL);
    }
    qsort(ns, RUNS, sizeof(double), by_value);
    printf("%.1f\n", ns[RUNS / 2]);
    return 0;
}
