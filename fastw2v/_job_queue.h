/*
 * The jobs of one epoch, handed from the thread that reads the corpus to the worker threads
 * without the GIL.
 *
 * A worker takes the next job, trains it and marks it done, then takes the next, all in
 * compiled code: with a Python queue it would take the GIL once or twice a job, and wait
 * for it up to the interpreter's switch interval (5 ms) whenever the reading thread holds
 * it, which it does while it reads. The reading thread puts jobs into free slots and
 * collects the done ones (JobQueue in _trainer.pyx keeps each slot's arrays alive until
 * then). Jobs are taken in the order they were put, so the learning rates the reading
 * thread reserves for them, in that order, are the ones they start with.
 */
#ifndef FASTW2V_JOB_QUEUE_H
#define FASTW2V_JOB_QUEUE_H

#include <stdint.h>
#include <stdlib.h>

#if defined(_WIN32)
#include <windows.h>
typedef SRWLOCK fw_mutex;
typedef CONDITION_VARIABLE fw_cond;
#define fw_mutex_init(m) (InitializeSRWLock(m), 0)
#define fw_mutex_destroy(m) ((void)0)
#define fw_mutex_lock(m) AcquireSRWLockExclusive(m)
#define fw_mutex_unlock(m) ReleaseSRWLockExclusive(m)
#define fw_cond_init(c) (InitializeConditionVariable(c), 0)
#define fw_cond_destroy(c) ((void)0)
#define fw_cond_wait(c, m) SleepConditionVariableSRW(c, m, INFINITE, 0)
#define fw_cond_wait_ms(c, m, ms) SleepConditionVariableSRW(c, m, (DWORD)(ms), 0)
#define fw_cond_broadcast(c) WakeAllConditionVariable(c)
#else
#include <pthread.h>
#include <time.h>
typedef pthread_mutex_t fw_mutex;
typedef pthread_cond_t fw_cond;
#define fw_mutex_init(m) pthread_mutex_init(m, NULL)
#define fw_mutex_destroy(m) pthread_mutex_destroy(m)
#define fw_mutex_lock(m) pthread_mutex_lock(m)
#define fw_mutex_unlock(m) pthread_mutex_unlock(m)
#define fw_cond_init(c) pthread_cond_init(c, NULL)
#define fw_cond_destroy(c) pthread_cond_destroy(c)
#define fw_cond_wait(c, m) pthread_cond_wait(c, m)
#define fw_cond_broadcast(c) pthread_cond_broadcast(c)
static void fw_cond_wait_ms(fw_cond *c, fw_mutex *m, int ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(c, m, &until);
}
#endif

enum { FW_JOB_FREE = 0, FW_JOB_QUEUED, FW_JOB_RUNNING, FW_JOB_DONE };

typedef struct {
    const int32_t *ids;             /* sentence s is ids[ends[s-1]:ends[s]] */
    const int64_t *ends;
    int64_t n_sentences;
    int64_t longest;                /* words in the longest sentence */
    float alpha_start, alpha_end;
    int64_t trained;                /* words trained, once done */
    int state;                      /* FW_JOB_* */
} fw_job;

typedef struct {
    fw_mutex lock;
    fw_cond queued;                 /* a job was put, or the queue closed or stopped */
    fw_cond done;                   /* a job is done, or the queue stopped */
    fw_job *jobs;
    int capacity;
    int *order;                     /* queued slots, first in first out: order[head..tail) */
    int64_t head, tail;             /* (modulo capacity) */
    int closed;                     /* no more jobs will be put: workers leave once it is empty */
    int stopped;                    /* workers leave after their current job */
} fw_job_queue;

static int fw_queue_init(fw_job_queue *q, int capacity) {
    q->jobs = (fw_job *)calloc((size_t)capacity, sizeof(fw_job));
    q->order = (int *)calloc((size_t)capacity, sizeof(int));
    if (q->jobs == NULL || q->order == NULL) {
        free(q->jobs);
        free(q->order);
        q->jobs = NULL;
        q->order = NULL;
        return -1;
    }
    q->capacity = capacity;
    q->head = q->tail = 0;
    q->closed = q->stopped = 0;
    fw_mutex_init(&q->lock);
    fw_cond_init(&q->queued);
    fw_cond_init(&q->done);
    return 0;
}

static void fw_queue_destroy(fw_job_queue *q) {
    if (q->jobs == NULL) return;
    fw_cond_destroy(&q->queued);
    fw_cond_destroy(&q->done);
    fw_mutex_destroy(&q->lock);
    free(q->jobs);
    free(q->order);
    q->jobs = NULL;
    q->order = NULL;
}

/* A slot that is free or done (the caller collects a done one before reusing it), waiting
 * up to `ms` milliseconds for one; -1 when there is none by then or the queue stopped. */
static int fw_queue_reusable_slot(fw_job_queue *q, int ms) {
    int found = -1;
    fw_mutex_lock(&q->lock);
    for (int attempt = 0; attempt < 2 && found < 0 && !q->stopped; attempt++) {
        for (int s = 0; s < q->capacity; s++)
            if (q->jobs[s].state == FW_JOB_FREE || q->jobs[s].state == FW_JOB_DONE) {
                found = s;
                break;
            }
        if (found < 0 && attempt == 0) fw_cond_wait_ms(&q->done, &q->lock, ms);
    }
    fw_mutex_unlock(&q->lock);
    return found;
}

/* Queue the job now in free slot `slot`. */
static void fw_queue_put(fw_job_queue *q, int slot) {
    fw_mutex_lock(&q->lock);
    q->jobs[slot].state = FW_JOB_QUEUED;
    q->order[q->tail++ % q->capacity] = slot;
    fw_cond_broadcast(&q->queued);
    fw_mutex_unlock(&q->lock);
}

/* The slot of the next job for a worker, now running, waiting for one to come; -1 when the
 * queue is closed and empty, or stopped. */
static int fw_queue_take(fw_job_queue *q) {
    int slot = -1;
    fw_mutex_lock(&q->lock);
    while (!q->stopped && q->head == q->tail && !q->closed) fw_cond_wait(&q->queued, &q->lock);
    if (!q->stopped && q->head < q->tail) {
        slot = q->order[q->head++ % q->capacity];
        q->jobs[slot].state = FW_JOB_RUNNING;
    }
    fw_mutex_unlock(&q->lock);
    return slot;
}

static void fw_queue_finish(fw_job_queue *q, int slot, int64_t trained) {
    fw_mutex_lock(&q->lock);
    q->jobs[slot].trained = trained;
    q->jobs[slot].state = FW_JOB_DONE;
    fw_cond_broadcast(&q->done);
    fw_mutex_unlock(&q->lock);
}

/* Set a flag (closed or stopped) and wake every waiting thread. */
static void fw_queue_signal(fw_job_queue *q, int stop) {
    fw_mutex_lock(&q->lock);
    if (stop) q->stopped = 1;
    else q->closed = 1;
    fw_cond_broadcast(&q->queued);
    fw_cond_broadcast(&q->done);
    fw_mutex_unlock(&q->lock);
}

/* Free slot `slot` if its job is done; returns the words it trained, or -1 if it is not
 * done. */
static int64_t fw_queue_collect(fw_job_queue *q, int slot) {
    int64_t trained = -1;
    fw_mutex_lock(&q->lock);
    if (q->jobs[slot].state == FW_JOB_DONE) {
        trained = q->jobs[slot].trained;
        q->jobs[slot].state = FW_JOB_FREE;
    }
    fw_mutex_unlock(&q->lock);
    return trained;
}

#endif
