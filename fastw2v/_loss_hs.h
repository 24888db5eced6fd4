/*
 * Hierarchical softmax (fastText's HierarchicalSoftmaxLoss): the target word is predicted
 * along its path in the Huffman tree of the vocabulary (fastw2v.losses.huffman_codes), one
 * binary decision per inner node, label 1 - code. Its output vectors are syn1, one row per
 * inner node; the root is node n_words - 2.
 *
 * The top_nodes inner nodes nearest the root (the highest numbers) lie on nearly every
 * word's path, so with shared rows every core would write them for every word. Each thread
 * can train them in a copy of its own instead, merged into syn1 under top_lock every
 * top_sync predictions and at the start and end of each batch (top_nodes 0: no copies;
 * fastw2v.losses.HierarchicalSoftmax.thread_copies decides how many, and how often).
 */
#ifndef FASTW2V_LOSS_HS_H
#define FASTW2V_LOSS_HS_H

#include "_kernel_base.h"
#if defined(_WIN32)
#define fw_yield() ((void)0)
#else
#include <sched.h>
#define fw_yield() sched_yield()
#endif

typedef struct {
    float *syn1;                    /* inner-node vectors, n_words - 1 rows of dim */
    int dim;
    int32_t n_words;
    const int64_t *code_offsets;    /* word w's path: codes[code_offsets[w]:code_offsets[w+1]] */
    const uint8_t *codes;
    const int32_t *points;          /* inner nodes on the path, aligned with codes */
    int max_code_len;               /* longest path */
    int top_nodes;                  /* inner nodes each thread trains in its own copy */
    int top_sync;                   /* predictions a thread makes between merges */
    unsigned char *top_lock;
} fw_hierarchical_softmax;

/* The first of the top nodes, and the row of an inner node as this thread trains it: its
 * own copy of a top node, else the shared row. */
FW_INLINE int32_t fw_hs_first_top_node(const fw_hierarchical_softmax *hs) {
    return hs->n_words - 1 - hs->top_nodes;
}

FW_INLINE float *fw_hs_row(const fw_hierarchical_softmax *hs, const fw_worker *w, int32_t node) {
    int32_t first = fw_hs_first_top_node(hs);
    if (node >= first) return w->top + (int64_t)(node - first) * hs->dim;
    return hs->syn1 + (int64_t)node * hs->dim;
}

/* Waiting for the lock yields the core: with more workers than cores, the holder may be
 * waiting for one. */
FW_INLINE void fw_lock(unsigned char *lock) {
    while (FW_FLAG_TEST_AND_SET(lock))
        while (FW_FLAG_IS_SET(lock)) fw_yield();
}

FW_INLINE void fw_unlock(unsigned char *lock) { FW_FLAG_CLEAR(lock); }

/* Merge this thread's copy of the top nodes into syn1: shared += copy - base (what this
 * thread changed since the last merge, on top of what the others merged meanwhile), then
 * copy = base = shared. Where no other thread merged, the copy is taken as it is, so one
 * thread alone trains exactly as without copies. With `pull`, only take the shared values
 * (at the start of a batch, when the copy holds nothing new). */
FW_INLINE void fw_hs_merge_top_nodes(const fw_hierarchical_softmax *hs, fw_worker *w, int pull) {
    int64_t n = (int64_t)hs->top_nodes * hs->dim;
    float *FW_RESTRICT shared = hs->syn1 + (int64_t)fw_hs_first_top_node(hs) * hs->dim;
    float *FW_RESTRICT copy = w->top, *FW_RESTRICT base = w->top_base;
    fw_lock(hs->top_lock);
    if (pull) {
        memcpy(copy, shared, sizeof(float) * n);
        memcpy(base, shared, sizeof(float) * n);
    } else {
        for (int64_t i = 0; i < n; i++) {
            float v = shared[i] == base[i] ? copy[i] : shared[i] + (copy[i] - base[i]);
            shared[i] = copy[i] = base[i] = v;
        }
    }
    fw_unlock(hs->top_lock);
    w->top_countdown = hs->top_sync;
}

FW_INLINE void fw_hs_begin_batch(const fw_hierarchical_softmax *hs, fw_worker *w) {
    if (hs->top_nodes) fw_hs_merge_top_nodes(hs, w, 1);
}

FW_INLINE void fw_hs_end_batch(const fw_hierarchical_softmax *hs, fw_worker *w) {
    if (hs->top_nodes) fw_hs_merge_top_nodes(hs, w, 0);
}

/* The outputs of one prediction of `target`, into w->out_rows and w->labels: the inner
 * nodes on its path. Returns their number. */
FW_INLINE int fw_hs_outputs(const fw_hierarchical_softmax *hs, fw_worker *w, int32_t target) {
    int n_out = 0;
    if (hs->top_nodes && --w->top_countdown <= 0) fw_hs_merge_top_nodes(hs, w, 0);
    for (int64_t k = hs->code_offsets[target]; k < hs->code_offsets[target + 1]; k++) {
        w->out_rows[n_out] = fw_hs_row(hs, w, hs->points[k]);
        w->labels[n_out++] = 1.0f - (float)hs->codes[k];
    }
    return n_out;
}

/* The gradient coefficient of score f: label - sigmoid(f), and 0 outside (-MAX_EXP,
 * MAX_EXP), where word2vec.c skips the node. */
FW_INLINE float fw_hs_gradient(const float *sigmoid_table, float label, float f) {
    if (f <= -FW_MAX_EXP || f >= FW_MAX_EXP) return 0.0f;
    return label - fw_sigmoid(sigmoid_table, f);
}

#endif
