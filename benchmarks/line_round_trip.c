/*
 * The round trip of one cache line between CPUs 0 and 1: two pinned threads hand a counter
 * back and forth. Prints nanoseconds per round trip. benchmarks/scaling.py runs it before
 * every run: two workers that write shared rows slow down with it, two processes do not.
 *
 *     gcc -O2 -pthread line_round_trip.c -o line_round_trip && ./line_round_trip [ROUNDS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(64) volatile long counter;
static long rounds;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *unused) {
    (void)unused;
    pin(1);
    for (long i = 0; i < rounds; i++) {
        while (counter != 2 * i + 1) {}
        counter = 2 * i + 2;
    }
    return NULL;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atol(argv[1]) : 200000;
    if (rounds < 1) return 2;
    pthread_t thread;
    if (pthread_create(&thread, NULL, answer, NULL)) return 1;
    pin(0);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < rounds; i++) {
        counter = 2 * i + 1;
        while (counter != 2 * i + 2) {}
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    pthread_join(thread, NULL);
    printf("%.1f\n", ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / rounds);
    return 0;
}
