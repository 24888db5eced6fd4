/*
 * Negative sampling (fastText's NegativeSamplingLoss): the target word, label 1, against
 * `negative` noise words, label 0, drawn from the unigram counts to the ns_exponent with
 * Walker's alias table (fastw2v.losses.alias_table). Its output vectors are syn1neg.
 */
#ifndef FASTW2V_LOSS_NS_H
#define FASTW2V_LOSS_NS_H

#include "_kernel_base.h"

typedef struct {
    float *syn1neg;                 /* output vectors, n_words x dim */
    int dim;
    int negative;                   /* noise words per target */
    int32_t n_words;
    const uint32_t *alias_prob;     /* bucket b (drawn uniformly) is kept when a 32-bit */
    const int32_t *alias_index;     /* random number is below alias_prob[b], else alias_index[b] */
} fw_negative_sampling;

FW_INLINE int32_t fw_ns_draw(const fw_negative_sampling *ns, uint64_t *rng) {
    uint64_t r = fw_next_random(rng);
    int32_t bucket = (int32_t)(((r >> 32) * (uint64_t)ns->n_words) >> 32);
    return ((uint32_t)r < ns->alias_prob[bucket]) ? bucket : ns->alias_index[bucket];
}

FW_INLINE float *fw_ns_row(const fw_negative_sampling *ns, int32_t word) {
    return ns->syn1neg + (int64_t)word * ns->dim;
}

/* The outputs of one prediction of `target` in the classic scheme, into w->out_rows and
 * w->labels: the target and `negative` fresh draws, those that hit the target left out.
 * Returns their number. */
FW_INLINE int fw_ns_outputs(const fw_negative_sampling *ns, fw_worker *w, int32_t target) {
    int n_out = 1;
    w->out_rows[0] = fw_ns_row(ns, target);
    w->labels[0] = 1.0f;
    for (int d = 0; d < ns->negative; d++) {
        int32_t word = fw_ns_draw(ns, &w->rng);
        if (word == target) continue;
        w->out_rows[n_out] = fw_ns_row(ns, word);
        w->labels[n_out++] = 0.0f;
    }
    return n_out;
}

/* Draw the negatives of centre word `target` one step ahead and start fetching its output
 * rows, so that they are in cache when its block runs. */
FW_INLINE void fw_ns_draw_ahead(const fw_negative_sampling *ns, fw_worker *w, int32_t target) {
    fw_prefetch_row(fw_ns_row(ns, target), ns->dim);
    for (int d = 0; d < ns->negative; d++) {
        w->ahead[d] = fw_ns_draw(ns, &w->rng);
        fw_prefetch_row(fw_ns_row(ns, w->ahead[d]), ns->dim);
    }
}

/* Target `target` and the negatives `drawn` (those that hit the target left out) into
 * w->out_rows and w->labels; returns their number. */
FW_INLINE int fw_ns_fill_outputs(const fw_negative_sampling *ns, fw_worker *w, int32_t target,
                                 const int32_t *drawn) {
    int n_out = 1;
    w->out_rows[0] = fw_ns_row(ns, target);
    w->labels[0] = 1.0f;
    for (int d = 0; d < ns->negative; d++) {
        if (drawn[d] == target) continue;
        w->out_rows[n_out] = fw_ns_row(ns, drawn[d]);
        w->labels[n_out++] = 0.0f;
    }
    return n_out;
}

/* The outputs of centre word sent[i] in the batched scheme, as fw_ns_outputs: one set of
 * negatives for the whole window (or its first block), drawn a centre word ahead. */
FW_INLINE int fw_ns_outputs_ahead(const fw_negative_sampling *ns, fw_worker *w,
                                  const int32_t *sent, int64_t i, int64_t len) {
    int32_t target = sent[i];
    if (i == 0) fw_ns_draw_ahead(ns, w, target);
    int n_out = fw_ns_fill_outputs(ns, w, target, w->ahead);
    if (i + 1 < len) fw_ns_draw_ahead(ns, w, sent[i + 1]);
    return n_out;
}

/* Draw the negatives of a centre word's further blocks 1..n_blocks-1 (after the set drawn
 * ahead, in w->ahead) and start fetching their rows while its first block runs. */
FW_INLINE void fw_ns_draw_blocks(const fw_negative_sampling *ns, fw_worker *w, int n_blocks) {
    for (int d = ns->negative; d < ns->negative * n_blocks; d++) {
        w->ahead[d] = fw_ns_draw(ns, &w->rng);
        fw_prefetch_row(fw_ns_row(ns, w->ahead[d]), ns->dim);
    }
}

/* The outputs of block `block` > 0 of centre word `target`, from fw_ns_draw_blocks. */
FW_INLINE int fw_ns_outputs_block(const fw_negative_sampling *ns, fw_worker *w,
                                  int32_t target, int block) {
    return fw_ns_fill_outputs(ns, w, target, w->ahead + ns->negative * block);
}

/* The gradient coefficient of score f: label - sigmoid(f), the sigmoid taken as 0 or 1
 * outside (-MAX_EXP, MAX_EXP) (word2vec.c's clipping). */
FW_INLINE float fw_ns_gradient(const float *sigmoid_table, float label, float f) {
    if (f >= FW_MAX_EXP) return label - 1.0f;
    if (f <= -FW_MAX_EXP) return label;
    return label - fw_sigmoid(sigmoid_table, f);
}

#endif
