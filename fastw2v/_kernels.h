/*
 * fastw2v training kernels: skip-gram and CBOW with negative sampling and hierarchical
 * softmax, the classic word2vec.c scheme (one input row updated per (context, target) pair).
 *
 * Everything here runs without the GIL. fw_train_batch is compiled once per instruction set
 * (AVX-512, AVX2, baseline x86-64) and the best clone is picked at load time, so one wheel
 * runs on any x86-64 CPU and uses the wide registers where they exist.
 */
#ifndef FASTW2V_KERNELS_H
#define FASTW2V_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FW_MAX_EXP 6.0f
#define FW_SIGMOID_TABLE_SIZE 1024

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FW_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FW_MULTIVERSION
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
    const uint64_t *keep_threshold; /* subsampling: keep word w if rand32 < keep_threshold[w] */
    const uint32_t *alias_prob;     /* negative sampling alias table (threshold on 32 bits) */
    const int32_t *alias_index;
    int32_t vocab_size;
    const int64_t *code_offsets;    /* Huffman codes of word w: codes[code_offsets[w]:code_offsets[w+1]] */
    const uint8_t *codes;
    const int32_t *points;          /* inner nodes on the path, aligned with codes */
    const float *sigmoid_table;     /* FW_SIGMOID_TABLE_SIZE + 1 entries over [-MAX_EXP, MAX_EXP] */
} fw_model;

/* Per-thread state: random generator, tallies and scratch buffers. */
typedef struct {
    uint64_t rng;
    double loss;
    int64_t trained_words;          /* words left after subsampling */
    float *hidden;                  /* dim floats: CBOW input (mean or sum of contexts) */
    float *grad;                    /* dim floats: accumulated input-side gradient */
    int32_t *kept;                  /* a sentence after subsampling */
} fw_worker;

/* xorshift64*: fast, good enough for sampling, one state per thread. */
static inline uint64_t fw_next_random(uint64_t *state) {
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

/* Sigmoid of f in (-MAX_EXP, MAX_EXP), linearly interpolated in the table. */
static inline float fw_sigmoid(const float *table, float f) {
    float pos = (f + FW_MAX_EXP) * (FW_SIGMOID_TABLE_SIZE / (2.0f * FW_MAX_EXP));
    int i = (int)pos;
    float frac = pos - (float)i;
    return table[i] + frac * (table[i + 1] - table[i]);
}

/* -log(sigmoid(x)), exact and stable; only evaluated when the loss is requested. */
static inline double fw_neg_log_sigmoid(double x) {
    return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
}

static inline float fw_dot(const float *restrict a, const float *restrict b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline void fw_axpy(float alpha, const float *restrict x, float *restrict y, int n) {
    for (int i = 0; i < n; i++) y[i] += alpha * x[i];
}

static inline int32_t fw_draw_negative(const fw_model *m, uint64_t *rng) {
    uint64_t r = fw_next_random(rng);
    int32_t bucket = (int32_t)(((r >> 32) * (uint64_t)m->vocab_size) >> 32);
    return ((uint32_t)r < m->alias_prob[bucket]) ? bucket : m->alias_index[bucket];
}

/* Negative sampling for one input vector `l1`: the positive `target` and `negative` draws.
 * Updates the output rows, accumulates the input gradient into `grad`. */
static inline void fw_negative_sampling(const fw_model *m, fw_worker *w, const float *l1,
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
static inline void fw_hierarchical_softmax(const fw_model *m, fw_worker *w, const float *l1,
                                           int32_t target, float alpha, int compute_loss) {
    const int dim = m->dim;
    for (int64_t k = m->code_offsets[target]; k < m->code_offsets[target + 1]; k++) {
        float *l2 = m->syn1 + (int64_t)m->points[k] * dim;
        float f = fw_dot(l1, l2, dim);
        float label = 1.0f - (float)m->codes[k];
        if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
        if (f <= -FW_MAX_EXP || f >= FW_MAX_EXP) continue;
        float g = (label - fw_sigmoid(m->sigmoid_table, f)) * alpha;
        fw_axpy(g, l2, w->grad, dim);
        fw_axpy(g, l1, l2, dim);
    }
}

/* Predict `target` from input `l1`, accumulating the input gradient into w->grad. */
static inline void fw_predict(const fw_model *m, fw_worker *w, const float *l1, int32_t target,
                              float alpha, int compute_loss) {
    if (m->hs) fw_hierarchical_softmax(m, w, l1, target, alpha, compute_loss);
    if (m->negative) fw_negative_sampling(m, w, l1, target, alpha, compute_loss);
}

static inline int fw_reduced_window(const fw_model *m, fw_worker *w) {
    if (!m->shrink_windows) return m->window;
    return m->window - (int)(fw_next_random(&w->rng) % (uint64_t)m->window);
}

static void fw_train_sentence_sg(const fw_model *m, fw_worker *w, const int32_t *sent, int64_t len,
                                 float alpha_start, float alpha_step, int compute_loss) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int b = fw_reduced_window(m, w);
        int64_t lo = i - b < 0 ? 0 : i - b;
        int64_t hi = i + b + 1 > len ? len : i + b + 1;
        for (int64_t j = lo; j < hi; j++) {
            if (j == i) continue;
            float *l1 = m->syn0 + (int64_t)sent[j] * dim;
            memset(w->grad, 0, dim * sizeof(float));
            fw_predict(m, w, l1, sent[i], alpha, compute_loss);
            fw_axpy(1.0f, w->grad, l1, dim);
        }
    }
}

static void fw_train_sentence_cbow(const fw_model *m, fw_worker *w, const int32_t *sent,
                                   int64_t len, float alpha_start, float alpha_step,
                                   int compute_loss) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int b = fw_reduced_window(m, w);
        int64_t lo = i - b < 0 ? 0 : i - b;
        int64_t hi = i + b + 1 > len ? len : i + b + 1;
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
FW_MULTIVERSION
void fw_train_batch(const fw_model *m, fw_worker *w, const int32_t *ids, const int64_t *ends,
                    int64_t n_sentences, float alpha_start, float alpha_end, int compute_loss) {
    int64_t total = n_sentences ? ends[n_sentences - 1] : 0;
    int64_t start = 0;
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
        if (m->sg) fw_train_sentence_sg(m, w, w->kept, kept, a0, step, compute_loss);
        else fw_train_sentence_cbow(m, w, w->kept, kept, a0, step, compute_loss);
        w->trained_words += kept;
        start = ends[s];
    }
}

#endif
