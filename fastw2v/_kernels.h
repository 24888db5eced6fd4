/*
 * fastw2v training kernels: skip-gram and CBOW with negative sampling and hierarchical
 * softmax, the classic word2vec.c scheme (one input row updated per (context, target) pair).
 *
 * Everything here runs without the GIL. fw_train_batch is compiled once per instruction set
 * (x86-64-v4 with AVX-512, x86-64-v3 with AVX2 and FMA, baseline x86-64) and fastw2v.cpu
 * picks one at import (fw_use_variant): the best this CPU runs, or the one that
 * FASTW2V_CPU_VARIANT names. So one wheel runs on any x86-64 CPU, uses the wide registers
 * where they exist, and every variant can be tested on one machine. Other compilers and
 * CPUs build the baseline alone, as plain C.
 *
 * No value of the weights or the learning rate makes a kernel index out of bounds: the
 * sigmoid table is indexed through a clamp that NaN cannot pass, and every NaN dot product
 * is counted in fw_worker.nonfinite, so that training that diverges is stopped.
 */
#ifndef FASTW2V_KERNELS_H
#define FASTW2V_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(_WIN32)
#include <malloc.h>
#define fw_yield() ((void)0)
#else
#include <sched.h>
#define fw_yield() sched_yield()
#endif

#define FW_MAX_EXP 6.0f
#define FW_SIGMOID_TABLE_SIZE 1024
#define FW_CACHE_LINE 64
/* Centre words a thread trains between merges of its copy of the top Huffman nodes. */
#define FW_TOP_SYNC 64

/* Everything fw_train_batch calls is inlined into it, so each of its clones is built for
 * its instruction set throughout. */
#if defined(__GNUC__)
#define FW_INLINE static inline __attribute__((always_inline))
#else
#define FW_INLINE static inline
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && __GNUC__ >= 11
#define FW_HAVE_VARIANTS 1
#else
#define FW_HAVE_VARIANTS 0
#endif

/* Read-only model state shared by all worker threads (the weight matrices are updated
 * in place, Hogwild-style, as in word2vec.c and gensim). */
typedef struct {
    float *syn0;                    /* input vectors, vocab x dim */
    float *syn1neg;                 /* output vectors for negative sampling, or NULL */
    float *syn1;                    /* inner-node vectors for hierarchical softmax, or NULL */
    int dim;
    int sg;                         /* 1 skip-gram, 0 CBOW */
    int negative;                   /* negatives per positive; 0 disables NS */
    int hs;                         /* 1 enables hierarchical softmax */
    int window;
    int cbow_mean;
    int shrink_windows;
    int batched;                    /* 1: skip-gram updates each window as one block */
    int max_code_len;               /* longest Huffman code (0 without hierarchical softmax) */
    const uint64_t *keep_threshold; /* subsampling: keep word w if rand32 < keep_threshold[w] */
    const uint32_t *alias_prob;     /* negative sampling alias table (threshold on 32 bits) */
    const int32_t *alias_index;
    int32_t vocab_size;
    const int64_t *code_offsets;    /* Huffman codes of word w: codes[code_offsets[w]:code_offsets[w+1]] */
    const uint8_t *codes;
    const int32_t *points;          /* inner nodes on the path, aligned with codes */
    const float *sigmoid_table;     /* FW_SIGMOID_TABLE_SIZE + 1 entries over [-MAX_EXP, MAX_EXP] */
    /* Batched kernels: the top_nodes inner nodes nearest the Huffman root (the highest
     * numbers; the root is vocab_size - 2) lie on nearly every word's path, so with shared
     * rows both cores would write them for every centre word. Each thread trains them in a
     * copy and merges it into syn1 every FW_TOP_SYNC centre words under top_lock. 0: off. */
    int top_nodes;
    unsigned char *top_lock;
} fw_model;

/* Per-thread state: random generator, tallies and scratch buffers. */
typedef struct {
    uint64_t rng;
    double loss;
    int64_t trained_words;          /* words left after subsampling */
    int64_t nonfinite;              /* NaN dot products seen (diverged weights) */
    float *hidden;                  /* dim floats: CBOW input (mean or sum of contexts) */
    float *grad;                    /* dim floats: accumulated input-side gradient */
    int32_t *kept;                  /* a sentence after subsampling */
    /* block (batched skip-gram) scratch: input and output row pointers, their labels,
     * the gradient coefficients and the accumulated input gradients */
    int block_in_cap, block_out_cap;
    float **in_rows, **out_rows, **context_rows;
    int32_t *ahead;                 /* the next centre word's negatives, drawn ahead */
    float *labels, *coef, *block_grad;
    /* this thread's copy of the top Huffman nodes and their values at the last merge */
    float *top, *top_base;
    int64_t top_cap;
    int top_countdown;              /* centre words until the next merge */
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

/* Size the block scratch for model `m`; 0 on success, -1 when out of memory. */
static int fw_worker_prepare(fw_worker *w, const fw_model *m) {
    int n_in = 2 * m->window;
    int n_out = (m->negative + 1 > m->max_code_len) ? m->negative + 1 : m->max_code_len;
    int64_t top = (int64_t)m->top_nodes * m->dim;
    if (w->block_in_cap >= n_in && w->block_out_cap >= n_out && w->block_grad != NULL
        && w->top_cap >= top)
        return 0;
    fw_worker_free_blocks(w);
    w->in_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_in);
    w->out_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_out);
    w->context_rows = (float **)fw_scratch_alloc(sizeof(float *) * n_in);
    w->ahead = (int32_t *)fw_scratch_alloc(sizeof(int32_t) * (m->negative + 1));
    w->labels = (float *)fw_scratch_alloc(sizeof(float) * (n_in > n_out ? n_in : n_out));
    w->coef = (float *)fw_scratch_alloc(sizeof(float) * n_in * n_out);
    w->block_grad = (float *)fw_scratch_alloc(sizeof(float) * n_in * m->dim);
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

/* Several rows at once with GCC vector extensions: 16 floats a step, compiled to AVX-512,
 * AVX2 or SSE by each clone of fw_train_batch. The last dim % 16 floats go through 8- and
 * 4-float vectors, so only dim % 4 floats are left to scalar code. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  /* vectors never cross a call: all inlined */
#endif
typedef float fw_vec __attribute__((vector_size(64)));
typedef float fw_vec8 __attribute__((vector_size(32)));
typedef float fw_vec4 __attribute__((vector_size(16)));
typedef float fw_uvec __attribute__((vector_size(64), aligned(4), may_alias));
typedef float fw_uvec8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float fw_uvec4 __attribute__((vector_size(16), aligned(4), may_alias));
#define FW_LANES 16

FW_INLINE fw_vec fw_load(const float *p) { return *(const fw_uvec *)p; }
FW_INLINE fw_vec8 fw_load8(const float *p) { return *(const fw_uvec8 *)p; }
FW_INLINE fw_vec4 fw_load4(const float *p) { return *(const fw_uvec4 *)p; }
FW_INLINE void fw_store(float *p, fw_vec v) { *(fw_uvec *)p = v; }
FW_INLINE void fw_store8(float *p, fw_vec8 v) { *(fw_uvec8 *)p = v; }
FW_INLINE void fw_store4(float *p, fw_vec4 v) { *(fw_uvec4 *)p = v; }

/* Horizontal sums by halves: 16 lanes to 8, 8 to 4, 4 to one float. */
FW_INLINE fw_vec8 fw_fold16(fw_vec v) {
    fw_vec8 lo, hi;
    memcpy(&lo, &v, sizeof lo);
    memcpy(&hi, (const char *)&v + sizeof lo, sizeof hi);
    return lo + hi;
}
FW_INLINE fw_vec4 fw_fold8(fw_vec8 v) {
    fw_vec4 lo, hi;
    memcpy(&lo, &v, sizeof lo);
    memcpy(&hi, (const char *)&v + sizeof lo, sizeof hi);
    return lo + hi;
}
FW_INLINE float fw_fold4(fw_vec4 v) { return (v[0] + v[2]) + (v[1] + v[3]); }

/* Dot products of x with n <= 4 rows starting at offset k (where 16-lane accumulators
 * acc[r] stopped): add the 8- and 4-float steps and the scalar rest, then sum. */
FW_INLINE void fw_dot_finish(const float *restrict x, float *const *rows, int n, int k, int dim,
                             const fw_vec *acc, float *out) {
    fw_vec8 acc8[4];
    fw_vec4 acc4[4];
    for (int r = 0; r < n; r++) acc8[r] = fw_fold16(acc[r]);
    if (k + 8 <= dim) {
        fw_vec8 v = fw_load8(x + k);
        for (int r = 0; r < n; r++) acc8[r] += v * fw_load8(rows[r] + k);
        k += 8;
    }
    for (int r = 0; r < n; r++) acc4[r] = fw_fold8(acc8[r]);
    if (k + 4 <= dim) {
        fw_vec4 v = fw_load4(x + k);
        for (int r = 0; r < n; r++) acc4[r] += v * fw_load4(rows[r] + k);
        k += 4;
    }
    for (int r = 0; r < n; r++) {
        float s = fw_fold4(acc4[r]);
        for (int j = k; j < dim; j++) s += x[j] * rows[r][j];
        out[r] = s;
    }
}

FW_INLINE float fw_dot(const float *restrict a, const float *restrict b, int dim) {
    fw_vec acc0 = {0}, acc1 = {0};
    int k = 0;
    for (; k + 2 * FW_LANES <= dim; k += 2 * FW_LANES) {
        acc0 += fw_load(a + k) * fw_load(b + k);
        acc1 += fw_load(a + k + FW_LANES) * fw_load(b + k + FW_LANES);
    }
    if (k + FW_LANES <= dim) {
        acc0 += fw_load(a + k) * fw_load(b + k);
        k += FW_LANES;
    }
    fw_vec acc = acc0 + acc1;
    float *rows[1] = {(float *)b};
    float out;
    fw_dot_finish(a, rows, 1, k, dim, &acc, &out);
    return out;
}

/* y += alpha * x */
FW_INLINE void fw_axpy(float alpha, const float *restrict x, float *restrict y, int dim) {
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES) fw_store(y + k, fw_load(y + k) + alpha * fw_load(x + k));
    if (k + 8 <= dim) {
        fw_store8(y + k, fw_load8(y + k) + alpha * fw_load8(x + k));
        k += 8;
    }
    if (k + 4 <= dim) {
        fw_store4(y + k, fw_load4(y + k) + alpha * fw_load4(x + k));
        k += 4;
    }
    for (; k < dim; k++) y[k] += alpha * x[k];
}

/* out[r] = x . rows[r] for the four rows r, with four independent accumulators. */
FW_INLINE void fw_dot4(const float *restrict x, float *const *rows, int dim, float *out) {
    fw_vec acc[4] = {{0}, {0}, {0}, {0}};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES) {
        fw_vec v = fw_load(x + k);
        acc[0] += v * fw_load(rows[0] + k);
        acc[1] += v * fw_load(rows[1] + k);
        acc[2] += v * fw_load(rows[2] + k);
        acc[3] += v * fw_load(rows[3] + k);
    }
    fw_dot_finish(x, rows, 4, k, dim, acc, out);
}

/* y += sum_t coef[t] * rows[t]. y is read and written once; the columns of y are taken
 * 64 floats at a time, so four independent sums run side by side instead of one chain. */
FW_INLINE void fw_axpy_rows(float *restrict y, const float *coef, float *const *rows, int n,
                            int dim) {
    int k = 0;
    for (; k + 4 * FW_LANES <= dim; k += 4 * FW_LANES) {
        fw_vec a0 = fw_load(y + k), a1 = fw_load(y + k + FW_LANES);
        fw_vec a2 = fw_load(y + k + 2 * FW_LANES), a3 = fw_load(y + k + 3 * FW_LANES);
        for (int t = 0; t < n; t++) {
            const float *r = rows[t] + k;
            float c = coef[t];
            a0 += c * fw_load(r);
            a1 += c * fw_load(r + FW_LANES);
            a2 += c * fw_load(r + 2 * FW_LANES);
            a3 += c * fw_load(r + 3 * FW_LANES);
        }
        fw_store(y + k, a0);
        fw_store(y + k + FW_LANES, a1);
        fw_store(y + k + 2 * FW_LANES, a2);
        fw_store(y + k + 3 * FW_LANES, a3);
    }
    if (k + 2 * FW_LANES <= dim) {
        fw_vec a0 = fw_load(y + k), a1 = fw_load(y + k + FW_LANES);
        for (int t = 0; t < n; t++) {
            const float *r = rows[t] + k;
            a0 += coef[t] * fw_load(r);
            a1 += coef[t] * fw_load(r + FW_LANES);
        }
        fw_store(y + k, a0);
        fw_store(y + k + FW_LANES, a1);
        k += 2 * FW_LANES;
    }
    /* the rest (under 32 floats) in one pass: 16-, 8- and 4-float pieces side by side */
    if (k < dim) {
        int k16 = k + FW_LANES <= dim ? k : -1;
        if (k16 >= 0) k += FW_LANES;
        int k8 = k + 8 <= dim ? k : -1;
        if (k8 >= 0) k += 8;
        int k4 = k + 4 <= dim ? k : -1;
        if (k4 >= 0) k += 4;
        fw_vec a16 = {0};
        fw_vec8 a8 = {0};
        fw_vec4 a4 = {0};
        if (k16 >= 0) a16 = fw_load(y + k16);
        if (k8 >= 0) a8 = fw_load8(y + k8);
        if (k4 >= 0) a4 = fw_load4(y + k4);
        for (int t = 0; t < n; t++) {
            const float *r = rows[t];
            float c = coef[t];
            if (k16 >= 0) a16 += c * fw_load(r + k16);
            if (k8 >= 0) a8 += c * fw_load8(r + k8);
            if (k4 >= 0) a4 += c * fw_load4(r + k4);
            for (int j = k; j < dim; j++) y[j] += c * r[j];
        }
        if (k16 >= 0) fw_store(y + k16, a16);
        if (k8 >= 0) fw_store8(y + k8, a8);
        if (k4 >= 0) fw_store4(y + k4, a4);
    }
}

FW_INLINE int32_t fw_draw_negative(const fw_model *m, uint64_t *rng) {
    uint64_t r = fw_next_random(rng);
    int32_t bucket = (int32_t)(((r >> 32) * (uint64_t)m->vocab_size) >> 32);
    return ((uint32_t)r < m->alias_prob[bucket]) ? bucket : m->alias_index[bucket];
}

/* Negative sampling for one input vector `l1`: the positive `target` and `negative` draws.
 * Updates the output rows, accumulates the input gradient into `grad`. */
FW_INLINE void fw_negative_sampling(const fw_model *m, fw_worker *w, const float *l1,
                                        int32_t target, float alpha, int compute_loss) {
    const int dim = m->dim;
    for (int d = 0; d <= m->negative; d++) {
        int32_t out;
        float label;
        if (d == 0) {
            out = target;
            label = 1.0f;
        } else {
            out = fw_draw_negative(m, &w->rng);
            if (out == target) continue;
            label = 0.0f;
        }
        float *l2 = m->syn1neg + (int64_t)out * dim;
        float f = fw_dot(l1, l2, dim);
        float sig;
        w->nonfinite += f != f;
        if (f >= FW_MAX_EXP) sig = 1.0f;
        else if (f <= -FW_MAX_EXP) sig = 0.0f;
        else sig = fw_sigmoid(m->sigmoid_table, f);
        if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
        float g = (label - sig) * alpha;
        fw_axpy(g, l2, w->grad, dim);
        fw_axpy(g, l1, l2, dim);
    }
}

/* Hierarchical softmax for one input vector `l1` predicting `target` along its Huffman path. */
FW_INLINE void fw_hierarchical_softmax(const fw_model *m, fw_worker *w, const float *l1,
                                           int32_t target, float alpha, int compute_loss) {
    const int dim = m->dim;
    for (int64_t k = m->code_offsets[target]; k < m->code_offsets[target + 1]; k++) {
        float *l2 = m->syn1 + (int64_t)m->points[k] * dim;
        float f = fw_dot(l1, l2, dim);
        float label = 1.0f - (float)m->codes[k];
        w->nonfinite += f != f;
        if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
        if (f <= -FW_MAX_EXP || f >= FW_MAX_EXP) continue;
        float g = (label - fw_sigmoid(m->sigmoid_table, f)) * alpha;
        fw_axpy(g, l2, w->grad, dim);
        fw_axpy(g, l1, l2, dim);
    }
}

/* Predict `target` from input `l1`, accumulating the input gradient into w->grad. */
FW_INLINE void fw_predict(const fw_model *m, fw_worker *w, const float *l1, int32_t target,
                              float alpha, int compute_loss) {
    if (m->hs) fw_hierarchical_softmax(m, w, l1, target, alpha, compute_loss);
    if (m->negative) fw_negative_sampling(m, w, l1, target, alpha, compute_loss);
}

/* The context positions [lo, hi) around centre i: a reduced window drawn uniformly in
 * [1, window] (or the full window), clipped to the sentence. */
FW_INLINE void fw_window(const fw_model *m, fw_worker *w, int64_t i, int64_t len, int64_t *lo,
                         int64_t *hi) {
    int b = m->window;
    if (m->shrink_windows) b -= (int)(fw_next_random(&w->rng) % (uint64_t)m->window);
    *lo = i - b < 0 ? 0 : i - b;
    *hi = i + b + 1 > len ? len : i + b + 1;
}

FW_INLINE void fw_train_sentence_sg(const fw_model *m, fw_worker *w, const int32_t *sent, int64_t len,
                                 float alpha_start, float alpha_step, int compute_loss) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int64_t lo, hi;
        fw_window(m, w, i, len, &lo, &hi);
        for (int64_t j = lo; j < hi; j++) {
            if (j == i) continue;
            float *l1 = m->syn0 + (int64_t)sent[j] * dim;
            memset(w->grad, 0, dim * sizeof(float));
            fw_predict(m, w, l1, sent[i], alpha, compute_loss);
            fw_axpy(1.0f, w->grad, l1, dim);
        }
    }
}

/*
 * One block: every input row against every output row, all computed from the same (old)
 * values, as in pWord2Vec's HogBatch (Ji et al., 2019): coefficients
 * g = (label - sigmoid(in . out)) * alpha, then out += g * in and block_grad += g * out.
 * Hierarchical softmax skips saturated scores as word2vec.c does; negative sampling clips.
 */
FW_INLINE void fw_block(const fw_model *m, fw_worker *w, int n_in, int n_out, int hs,
                        float alpha, int compute_loss) {
    const int dim = m->dim;
    float *coef = w->coef;           /* n_in x n_out, row a: input a against every output */
    for (int a = 0; a < n_in; a++) {
        float *scores = coef + a * n_out;
        int o = 0;
        for (; o + 4 <= n_out; o += 4) fw_dot4(w->in_rows[a], w->out_rows + o, dim, scores + o);
        for (; o < n_out; o++) scores[o] = fw_dot(w->in_rows[a], w->out_rows[o], dim);
        for (o = 0; o < n_out; o++) {
            float f = scores[o], label = w->labels[o], g;
            w->nonfinite += f != f;
            if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
            if (f >= FW_MAX_EXP) g = hs ? 0.0f : label - 1.0f;
            else if (f <= -FW_MAX_EXP) g = hs ? 0.0f : label;
            else g = label - fw_sigmoid(m->sigmoid_table, f);
            scores[o] = g * alpha;
        }
    }
    for (int a = 0; a < n_in; a++)
        fw_axpy_rows(w->block_grad + (int64_t)a * dim, coef + a * n_out, w->out_rows, n_out, dim);
    float *column = w->labels;       /* labels are no longer needed: reuse as scratch */
    for (int o = 0; o < n_out; o++) {
        for (int a = 0; a < n_in; a++) column[a] = coef[a * n_out + o];
        fw_axpy_rows(w->out_rows[o], column, w->in_rows, n_in, dim);
    }
}

FW_INLINE void fw_prefetch_row(const float *row, int dim) {
    for (int k = 0; k < dim; k += FW_LANES) __builtin_prefetch(row + k, 1, 3);
}

/* Start fetching the input row that enters the window FW_CONTEXT_AHEAD centre words ahead
 * (one step ahead is too late for rows that come from memory). */
#define FW_CONTEXT_AHEAD 2
FW_INLINE void fw_prefetch_context(const fw_model *m, const int32_t *sent, int64_t i, int64_t len) {
    int64_t ahead = i + m->window + FW_CONTEXT_AHEAD;
    if (ahead < len) fw_prefetch_row(m->syn0 + (int64_t)sent[ahead] * m->dim, m->dim);
}

/* Draw the negatives of the centre word at `next` one step ahead and start fetching its
 * output rows, so they are in cache when its block runs. */
FW_INLINE void fw_draw_ahead(const fw_model *m, fw_worker *w, const int32_t *sent, int64_t next) {
    fw_prefetch_row(m->syn1neg + (int64_t)sent[next] * m->dim, m->dim);
    for (int d = 0; d < m->negative; d++) {
        w->ahead[d] = fw_draw_negative(m, &w->rng);
        fw_prefetch_row(m->syn1neg + (int64_t)w->ahead[d] * m->dim, m->dim);
    }
}

/* The first of the top Huffman nodes, and the row of an inner node as this thread trains it:
 * its own copy of a top node, else the shared row. */
FW_INLINE int32_t fw_first_top_node(const fw_model *m) { return m->vocab_size - 1 - m->top_nodes; }
FW_INLINE float *fw_syn1_row(const fw_model *m, const fw_worker *w, int32_t node) {
    int32_t first = fw_first_top_node(m);
    if (node >= first) return w->top + (int64_t)(node - first) * m->dim;
    return m->syn1 + (int64_t)node * m->dim;
}

/* Waiting for the lock yields the core: with more workers than cores, the holder may be
 * waiting for one. */
FW_INLINE void fw_lock(unsigned char *lock) {
    while (__atomic_test_and_set(lock, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) fw_yield();
}

FW_INLINE void fw_unlock(unsigned char *lock) { __atomic_clear(lock, __ATOMIC_RELEASE); }

/* Merge this thread's copy of the top nodes into syn1: shared += copy - base (what this
 * thread changed since the last merge, on top of what the others merged meanwhile), then
 * copy = base = shared. Where no other thread merged, the copy is taken as it is, so one
 * thread alone trains exactly as without copies. With `pull`, only take the shared values
 * (at the start of a batch, when the copy holds nothing new). */
FW_INLINE void fw_merge_top_nodes(const fw_model *m, fw_worker *w, int pull) {
    int64_t n = (int64_t)m->top_nodes * m->dim;
    float *restrict shared = m->syn1 + (int64_t)fw_first_top_node(m) * m->dim;
    float *restrict copy = w->top, *restrict base = w->top_base;
    fw_lock(m->top_lock);
    if (pull) {
        memcpy(copy, shared, sizeof(float) * n);
        memcpy(base, shared, sizeof(float) * n);
    } else {
        for (int64_t i = 0; i < n; i++) {
            float v = shared[i] == base[i] ? copy[i] : shared[i] + (copy[i] - base[i]);
            shared[i] = copy[i] = base[i] = v;
        }
    }
    fw_unlock(m->top_lock);
    w->top_countdown = FW_TOP_SYNC;
}

/* The blocks of centre word sent[i] against its outputs: its Huffman path (hierarchical
 * softmax) and/or itself plus its negatives (negative sampling), drawn ahead. */
FW_INLINE void fw_output_blocks(const fw_model *m, fw_worker *w, int n_in, const int32_t *sent,
                                int64_t i, int64_t len, float alpha, int compute_loss) {
    const int dim = m->dim;
    int32_t target = sent[i];
    if (m->hs) {
        int n_out = 0;
        if (m->top_nodes && --w->top_countdown <= 0) fw_merge_top_nodes(m, w, 0);
        for (int64_t k = m->code_offsets[target]; k < m->code_offsets[target + 1]; k++) {
            w->out_rows[n_out] = fw_syn1_row(m, w, m->points[k]);
            w->labels[n_out++] = 1.0f - (float)m->codes[k];
        }
        fw_block(m, w, n_in, n_out, 1, alpha, compute_loss);
    }
    if (m->negative) {
        if (i == 0) fw_draw_ahead(m, w, sent, 0);
        int n_out = 1;
        w->out_rows[0] = m->syn1neg + (int64_t)target * dim;
        w->labels[0] = 1.0f;
        for (int d = 0; d < m->negative; d++) {
            if (w->ahead[d] == target) continue;
            w->out_rows[n_out] = m->syn1neg + (int64_t)w->ahead[d] * dim;
            w->labels[n_out++] = 0.0f;
        }
        if (i + 1 < len) fw_draw_ahead(m, w, sent, i + 1);
        fw_block(m, w, n_in, n_out, 0, alpha, compute_loss);
    }
}

/* Skip-gram, one block per centre word: its window's context rows against the centre word's
 * outputs (Huffman path and/or the positive plus negatives shared across the window). */
FW_INLINE void fw_train_sentence_sg_batched(const fw_model *m, fw_worker *w, const int32_t *sent,
                                         int64_t len, float alpha_start, float alpha_step,
                                         int compute_loss) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int64_t lo, hi;
        fw_window(m, w, i, len, &lo, &hi);
        fw_prefetch_context(m, sent, i, len);
        int n_in = 0;
        for (int64_t j = lo; j < hi; j++)
            if (j != i) w->in_rows[n_in++] = m->syn0 + (int64_t)sent[j] * dim;
        if (n_in == 0) continue;
        memset(w->block_grad, 0, sizeof(float) * n_in * dim);
        fw_output_blocks(m, w, n_in, sent, i, len, alpha, compute_loss);
        for (int a = 0; a < n_in; a++) fw_axpy(1.0f, w->block_grad + (int64_t)a * dim, w->in_rows[a], dim);
    }
}

/* CBOW with the block update: the context mean (or sum) against the centre word's outputs,
 * all scored from the same old values. Differs from the classic scheme only when one
 * negative is drawn twice for a centre word. */
FW_INLINE void fw_train_sentence_cbow_batched(const fw_model *m, fw_worker *w,
                                              const int32_t *sent, int64_t len, float alpha_start,
                                              float alpha_step, int compute_loss) {
    const int dim = m->dim;
    float *coef = w->labels;  /* the context weights are needed before the labels */
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int64_t lo, hi;
        fw_window(m, w, i, len, &lo, &hi);
        fw_prefetch_context(m, sent, i, len);
        float **context = w->context_rows;
        int n_ctx = 0;
        for (int64_t j = lo; j < hi; j++)
            if (j != i) context[n_ctx++] = m->syn0 + (int64_t)sent[j] * dim;
        if (n_ctx == 0) continue;
        float inv = 1.0f / (float)n_ctx;
        for (int c = 0; c < n_ctx; c++) coef[c] = m->cbow_mean ? inv : 1.0f;
        memset(w->hidden, 0, sizeof(float) * dim);
        fw_axpy_rows(w->hidden, coef, context, n_ctx, dim);
        w->in_rows[0] = w->hidden;  /* the block's one input */
        memset(w->block_grad, 0, sizeof(float) * dim);
        fw_output_blocks(m, w, 1, sent, i, len, alpha, compute_loss);
        float scale = m->cbow_mean ? 1.0f : inv;
        for (int c = 0; c < n_ctx; c++) fw_axpy(scale, w->block_grad, context[c], dim);
    }
}

FW_INLINE void fw_train_sentence_cbow(const fw_model *m, fw_worker *w, const int32_t *sent,
                                   int64_t len, float alpha_start, float alpha_step,
                                   int compute_loss) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int64_t lo, hi;
        fw_window(m, w, i, len, &lo, &hi);
        int count = (int)(hi - lo - 1);
        if (count <= 0) continue;
        memset(w->hidden, 0, dim * sizeof(float));
        for (int64_t j = lo; j < hi; j++)
            if (j != i) fw_axpy(1.0f, m->syn0 + (int64_t)sent[j] * dim, w->hidden, dim);
        float inv = 1.0f / (float)count;
        if (m->cbow_mean)
            for (int k = 0; k < dim; k++) w->hidden[k] *= inv;
        memset(w->grad, 0, dim * sizeof(float));
        fw_predict(m, w, w->hidden, sent[i], alpha, compute_loss);
        /* gensim's convention: the mean passes the full gradient to every context word,
         * the sum divides it by the number of context words. */
        float scale = m->cbow_mean ? 1.0f : inv;
        for (int64_t j = lo; j < hi; j++)
            if (j != i) fw_axpy(scale, w->grad, m->syn0 + (int64_t)sent[j] * dim, dim);
    }
}

/*
 * Train on a batch of sentences. `ids` holds the in-vocabulary word ids of all sentences
 * back to back; sentence s is ids[ends[s-1]:ends[s]] (ends[-1] = 0). The learning rate
 * falls linearly from alpha_start to alpha_end across the batch's words, word by word. w->kept must hold
 * at least the longest sentence.
 */
FW_INLINE void fw_train_batch_body(const fw_model *m, fw_worker *w, const int32_t *ids,
                                   const int64_t *ends, int64_t n_sentences, float alpha_start,
                                   float alpha_end, int compute_loss) {
    int64_t total = n_sentences ? ends[n_sentences - 1] : 0;
    int64_t start = 0;
    if (m->top_nodes) fw_merge_top_nodes(m, w, 1);
    for (int64_t s = 0; s < n_sentences; s++) {
        int64_t kept = 0;
        for (int64_t i = start; i < ends[s]; i++) {
            int32_t word = ids[i];
            if ((fw_next_random(&w->rng) >> 32) < m->keep_threshold[word]) w->kept[kept++] = word;
        }
        /* alpha falls linearly over raw word positions; spread each sentence's share
         * evenly over the words that survived subsampling */
        float a0 = alpha_start + (alpha_end - alpha_start) * (float)((double)start / (double)total);
        float a1 = alpha_start + (alpha_end - alpha_start) * (float)((double)ends[s] / (double)total);
        float step = kept > 0 ? (a1 - a0) / (float)kept : 0.0f;
        if (m->sg && m->batched) fw_train_sentence_sg_batched(m, w, w->kept, kept, a0, step, compute_loss);
        else if (m->sg) fw_train_sentence_sg(m, w, w->kept, kept, a0, step, compute_loss);
        else if (m->batched) fw_train_sentence_cbow_batched(m, w, w->kept, kept, a0, step, compute_loss);
        else fw_train_sentence_cbow(m, w, w->kept, kept, a0, step, compute_loss);
        w->trained_words += kept;
        start = ends[s];
    }
    if (m->top_nodes) fw_merge_top_nodes(m, w, 0);
}

/* fw_train_batch compiled for each instruction set: everything it calls is inlined. */
#define FW_TRAIN_BATCH_VARIANT(name, attributes)                                              \
    attributes static void name(const fw_model *m, fw_worker *w, const int32_t *ids,          \
                                const int64_t *ends, int64_t n_sentences, float alpha_start,  \
                                float alpha_end, int compute_loss) {                          \
        fw_train_batch_body(m, w, ids, ends, n_sentences, alpha_start, alpha_end,            \
                            compute_loss);                                                    \
    }
FW_TRAIN_BATCH_VARIANT(fw_train_batch_baseline, )
#if FW_HAVE_VARIANTS
FW_TRAIN_BATCH_VARIANT(fw_train_batch_v3, __attribute__((target("arch=x86-64-v3"))))
FW_TRAIN_BATCH_VARIANT(fw_train_batch_v4, __attribute__((target("arch=x86-64-v4"))))
#endif

typedef void (*fw_train_batch_fn)(const fw_model *, fw_worker *, const int32_t *,
                                  const int64_t *, int64_t, float, float, int);
static fw_train_batch_fn fw_train_batch = fw_train_batch_baseline;

/* Whether this CPU runs variant `level` (1 baseline, 3 x86-64-v3, 4 x86-64-v4). */
static int fw_cpu_runs(int level) {
    if (level == 1) return 1;
#if FW_HAVE_VARIANTS
    __builtin_cpu_init();
    if (level == 3) return __builtin_cpu_supports("x86-64-v3");
    if (level == 4) return __builtin_cpu_supports("x86-64-v4");
#endif
    return 0;
}

/* Train with variant `level` from now on; -1 (and no change) if this build or CPU lacks it. */
static int fw_use_variant(int level) {
    if (!fw_cpu_runs(level)) return -1;
#if FW_HAVE_VARIANTS
    if (level == 4) { fw_train_batch = fw_train_batch_v4; return 0; }
    if (level == 3) { fw_train_batch = fw_train_batch_v3; return 0; }
#endif
    if (level == 1) { fw_train_batch = fw_train_batch_baseline; return 0; }
    return -1;
}

#endif
