/*
 * What every part of the training kernels uses: the per-thread state (fw_worker) and its
 * scratch memory, the random generator and the sigmoid table. Everything here runs without
 * the GIL.
 */
#ifndef FASTW2V_KERNEL_BASE_H
#define FASTW2V_KERNEL_BASE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(_WIN32)
#include <malloc.h>
#endif
#include "_portable.h"

#define FW_MAX_EXP 6.0f
#define FW_SIGMOID_TABLE_SIZE 1024
#define FW_CACHE_LINE 64

/* Per-thread state: random generator, tallies and scratch buffers. */
typedef struct {
    uint64_t rng;
    double loss;
    int64_t trained_words;          /* words left after subsampling */
    int64_t nonfinite;              /* NaN dot products seen (diverged weights) */
    float *hidden;                  /* dim floats: CBOW input (mean or sum of contexts) */
    float *grad;                    /* dim floats: accumulated input-side gradient */
    int32_t *kept;                  /* a sentence after subsampling */
    /* the outputs of one prediction (rows and labels, filled by the losses) and the block
     * scratch of the batched scheme: input rows, context rows, gradient coefficients and
     * the accumulated input gradients */
    int block_in_cap, block_out_cap;
    float **in_rows, **out_rows, **context_rows;
    float *labels, *coef, *block_grad;
    int32_t *ahead;                 /* negative sampling: the next centre word's negatives, then
                                     * those of the current one's further blocks */
    /* hierarchical softmax: this thread's copy of the top Huffman nodes and their values at
     * the last merge */
    float *top, *top_base;
    int64_t top_cap;
    int top_countdown;              /* outputs taken until the next merge */
} fw_worker;

/* A worker's scratch memory: cache-line aligned and padded to whole lines, so that no two
 * workers' buffers share a cache line (with plain malloc, the end of one worker's buffer and
 * the start of another's, both written for every word, could sit on one line and bounce
 * between the cores). Release it with fw_scratch_free. */
static void *fw_scratch_alloc(size_t bytes) {
    size_t padded = (bytes + FW_CACHE_LINE - 1) & ~(size_t)(FW_CACHE_LINE - 1);
    if (padded == 0) padded = FW_CACHE_LINE;
#if defined(_WIN32)
    return _aligned_malloc(padded, FW_CACHE_LINE);
#else
    return aligned_alloc(FW_CACHE_LINE, padded);
#endif
}

static void fw_scratch_free(void *p) {
#if defined(_WIN32)
    _aligned_free(p);
#else
    free(p);
#endif
}

static void fw_worker_free_blocks(fw_worker *w) {
    fw_scratch_free(w->in_rows);
    fw_scratch_free(w->out_rows);
    fw_scratch_free(w->context_rows);
    fw_scratch_free(w->ahead);
    fw_scratch_free(w->labels);
    fw_scratch_free(w->coef);
    fw_scratch_free(w->block_grad);
    fw_scratch_free(w->top);
    fw_scratch_free(w->top_base);
    w->top = w->top_base = NULL;
    w->top_cap = 0;
    w->in_rows = w->out_rows = w->context_rows = NULL;
    w->ahead = NULL;
    w->labels = w->coef = w->block_grad = NULL;
    w->block_in_cap = w->block_out_cap = 0;
}

/* Size the scratch for windows of n_in inputs, predictions of n_out outputs, `negative`
 * negatives drawn ahead (for all blocks of a window) and `top` floats of top-node copies; 0 on success, -1 when out of
 * memory. */
static int fw_worker_reserve(fw_worker *w, int n_in, int n_out, int dim, int negative,
                             int64_t top) {
    if (w->block_in_cap >= n_in && w->block_out_cap >= n_out && w->block_grad != NULL
        && w->top_cap >= top)
        return 0;
    fw_worker_free_blocks(w);
    w->in_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_in);
    w->out_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_out);
    w->context_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_in);
    w->ahead = (int32_t *)fw_scratch_alloc(sizeof(int32_t) * (negative + 1));
    /* labels, then two columns of n_in coefficients (fw_block) */
    w->labels = (float *)fw_scratch_alloc(sizeof(float) * (2 * n_in > n_out ? 2 * n_in : n_out));
    w->coef = (float *)fw_scratch_alloc(sizeof(float) * n_in * n_out);
    w->block_grad = (float *)fw_scratch_alloc(sizeof(float) * n_in * dim);
    if (top) {
        w->top = (float *)fw_scratch_alloc(sizeof(float) * top);
        w->top_base = (float *)fw_scratch_alloc(sizeof(float) * top);
    }
    if (!w->in_rows || !w->out_rows || !w->context_rows || !w->ahead || !w->labels || !w->coef
        || !w->block_grad || (top && (!w->top || !w->top_base))) {
        fw_worker_free_blocks(w);
        return -1;
    }
    w->block_in_cap = n_in;
    w->block_out_cap = n_out;
    w->top_cap = top;
    return 0;
}

/* xorshift64*: fast, good enough for sampling, one state per thread. */
FW_INLINE uint64_t fw_next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ULL;
}

static void fw_fill_sigmoid_table(float *table) {
    for (int i = 0; i <= FW_SIGMOID_TABLE_SIZE; i++) {
        double x = ((double)i / FW_SIGMOID_TABLE_SIZE * 2.0 - 1.0) * FW_MAX_EXP;
        table[i] = (float)(1.0 / (1.0 + exp(-x)));
    }
}

/* Sigmoid of f in (-MAX_EXP, MAX_EXP), linearly interpolated in the table. Any other f,
 * NaN included, still reads inside the table (and gives a meaningless value). */
FW_INLINE float fw_sigmoid(const float *table, float f) {
    float pos = (f + FW_MAX_EXP) * (FW_SIGMOID_TABLE_SIZE / (2.0f * FW_MAX_EXP));
    int i = pos > 0.0f ? (pos < (float)FW_SIGMOID_TABLE_SIZE ? (int)pos : FW_SIGMOID_TABLE_SIZE - 1) : 0;
    float frac = pos - (float)i;
    return table[i] + frac * (table[i + 1] - table[i]);
}

/* -log(sigmoid(x)), exact and stable; only evaluated when the loss is requested. */
FW_INLINE double fw_neg_log_sigmoid(double x) {
    return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
}

/* Start fetching a row of `dim` floats for writing, one cache line at a time. */
FW_INLINE void fw_prefetch_row(const float *row, int dim) {
    for (int k = 0; k < dim; k += FW_CACHE_LINE / (int)sizeof(float))
        FW_PREFETCH_WRITE(row + k);
}

#endif
