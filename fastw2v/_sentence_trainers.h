/*
 * The sentence trainers, skip-gram and CBOW in two update schemes, written once for any
 * loss (see the loss interface in _kernels.h):
 *
 * - classic: word2vec.c's, one input row against the loss's outputs, pair by pair, each
 *   update made before the next pair is scored (fw_pairs);
 * - batched: each centre word's inputs (skip-gram: its context rows; CBOW: their mean or
 *   sum) against all its outputs, scored from the same old values and updated as one block,
 *   as in pWord2Vec's HogBatch (Ji et al., 2019; fw_block). In skip-gram the window shares
 *   one set of negatives, or each block of a wide window one set (FW_BLOCK_INPUTS).
 *
 * Included by _kernels.h once per variant, with FW_LANES, FW_VARIANT and FW_VARIANT_TARGET
 * set: each copy's names carry the variant's suffix, and its entry point
 * fw_train_batch<suffix> calls one function per loss, compiled for the variant's
 * instruction set with everything it calls inlined.
 */
#if FW_GNU_C
#include "_vectors.h"
#else
#include "_vectors_portable.h"
#endif

#define fw_pairs FW_VARIANT_NAME(fw_pairs)
#define fw_predict FW_VARIANT_NAME(fw_predict)
#define fw_block FW_VARIANT_NAME(fw_block)
#define fw_output_blocks FW_VARIANT_NAME(fw_output_blocks)
#define fw_train_sentence_sg FW_VARIANT_NAME(fw_train_sentence_sg)
#define fw_train_sentence_cbow FW_VARIANT_NAME(fw_train_sentence_cbow)
#define fw_train_sentence_sg_batched FW_VARIANT_NAME(fw_train_sentence_sg_batched)
#define fw_train_sentence_cbow_batched FW_VARIANT_NAME(fw_train_sentence_cbow_batched)
#define fw_train_sentences FW_VARIANT_NAME(fw_train_sentences)

/* Input l1 against the outputs of `loss` for `target`, one pair at a time (word2vec.c):
 * updates the output rows and accumulates the input gradient into w->grad. */
FW_INLINE void fw_pairs(const fw_model *m, fw_worker *w, const float *l1, int loss,
                        int32_t target, float alpha, int compute_loss) {
    const int dim = m->dim;
    int n_out = fw_loss_outputs(m, w, loss, target);
    for (int o = 0; o < n_out; o++) {
        float *l2 = w->out_rows[o];
        float f = fw_dot(l1, l2, dim), label = w->labels[o];
        w->nonfinite += f != f;
        if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
        float g = fw_loss_gradient(m, loss, label, f) * alpha;
        if (g == 0.0f) continue;  /* a saturated score: nothing to add */
        fw_axpy(g, l2, w->grad, dim);
        fw_axpy(g, l1, l2, dim);
    }
}

/* Predict `target` from input l1 with every loss in `losses`. */
FW_INLINE void fw_predict(const fw_model *m, fw_worker *w, const float *l1, int32_t target,
                          float alpha, int compute_loss, const int losses) {
    if (losses & FW_HIERARCHICAL_SOFTMAX)
        fw_pairs(m, w, l1, FW_HIERARCHICAL_SOFTMAX, target, alpha, compute_loss);
    if (losses & FW_NEGATIVE_SAMPLING)
        fw_pairs(m, w, l1, FW_NEGATIVE_SAMPLING, target, alpha, compute_loss);
}

/* One block: every input row against every output row of `loss`, all computed from the
 * same (old) values: coefficients g = gradient(label, in . out) * alpha, then
 * out += g * in and block_grad += g * out. */
FW_INLINE void fw_block(const fw_model *m, fw_worker *w, float **in_rows, float *block_grad,
                        int n_in, int n_out, int loss, float alpha, int compute_loss) {
    const int dim = m->dim;
    float *coef = w->coef;           /* n_in x n_out, row a: input a against every output */
    float *const *out = w->out_rows;
    /* scores, two inputs at a time against up to four outputs at a time */
    for (int a = 0; a < n_in; a += 2) {
        float *s0 = coef + a * n_out, *s1 = s0 + n_out;
        int o = 0;
        if (a + 1 < n_in) {
            for (; o + 4 <= n_out; o += 4) fw_dots2(in_rows[a], in_rows[a + 1], out + o, 4, dim, s0 + o, s1 + o);
            if (o + 2 <= n_out) { fw_dots2(in_rows[a], in_rows[a + 1], out + o, 2, dim, s0 + o, s1 + o); o += 2; }
            if (o < n_out) fw_dots2(in_rows[a], in_rows[a + 1], out + o, 1, dim, s0 + o, s1 + o);
        } else {
            for (; o + 4 <= n_out; o += 4) fw_dots(in_rows[a], out + o, 4, dim, s0 + o);
            if (o + 2 <= n_out) { fw_dots(in_rows[a], out + o, 2, dim, s0 + o); o += 2; }
            if (o < n_out) fw_dots(in_rows[a], out + o, 1, dim, s0 + o);
        }
    }
    for (int a = 0; a < n_in; a++) {
        float *scores = coef + a * n_out;
        for (int o = 0; o < n_out; o++) {
            float f = scores[o], label = w->labels[o];
            w->nonfinite += f != f;
            if (compute_loss) w->loss += fw_neg_log_sigmoid(label > 0.5f ? (double)f : -(double)f);
            scores[o] = fw_loss_gradient(m, loss, label, f) * alpha;
        }
    }
    /* input gradients, two inputs at a time */
    int a = 0;
    for (; a + 2 <= n_in; a += 2)
        fw_axpy_rows2(block_grad + (int64_t)a * dim, block_grad + (int64_t)(a + 1) * dim,
                      coef + a * n_out, coef + (a + 1) * n_out, out, n_out, dim);
    if (a < n_in) fw_axpy_rows(block_grad + (int64_t)a * dim, coef + a * n_out, out, n_out, dim);
    /* output updates, two outputs at a time unless they are one row (a negative drawn twice) */
    float *column = w->labels;       /* labels are no longer needed: columns of coef */
    int o = 0;
    for (; o + 2 <= n_out; o += 2) {
        for (int b = 0; b < n_in; b++) {
            column[b] = coef[b * n_out + o];
            column[w->block_in_cap + b] = coef[b * n_out + o + 1];
        }
        if (out[o] != out[o + 1]) {
            fw_axpy_rows2(out[o], out[o + 1], column, column + w->block_in_cap, in_rows, n_in, dim);
        } else {
            fw_axpy_rows(out[o], column, in_rows, n_in, dim);
            fw_axpy_rows(out[o + 1], column + w->block_in_cap, in_rows, n_in, dim);
        }
    }
    if (o < n_out) {
        for (int b = 0; b < n_in; b++) column[b] = coef[b * n_out + o];
        fw_axpy_rows(out[o], column, in_rows, n_in, dim);
    }
}

/* The blocks of centre word sent[i], one per loss in `losses`, against the n_in rows
 * in_rows; their gradients accumulate into block_grad. `block` is its place among the
 * centre word's blocks: the first takes the negatives drawn ahead for the centre word, the
 * others those of fw_ns_draw_blocks. */
FW_INLINE void fw_output_blocks(const fw_model *m, fw_worker *w, float **in_rows,
                                float *block_grad, int n_in, const int32_t *sent, int64_t i,
                                int64_t len, int block, float alpha, int compute_loss,
                                const int losses) {
    if (losses & FW_HIERARCHICAL_SOFTMAX) {
        int n_out = fw_loss_outputs(m, w, FW_HIERARCHICAL_SOFTMAX, sent[i]);
        fw_block(m, w, in_rows, block_grad, n_in, n_out, FW_HIERARCHICAL_SOFTMAX, alpha,
                 compute_loss);
    }
    if (losses & FW_NEGATIVE_SAMPLING) {
        int n_out = block == 0 ? fw_ns_outputs_ahead(&m->ns, w, sent, i, len)
                               : fw_ns_outputs_block(&m->ns, w, sent[i], block);
        fw_block(m, w, in_rows, block_grad, n_in, n_out, FW_NEGATIVE_SAMPLING, alpha,
                 compute_loss);
    }
}

FW_INLINE void fw_train_sentence_sg(const fw_model *m, fw_worker *w, const int32_t *sent,
                                    int64_t len, float alpha_start, float alpha_step,
                                    int compute_loss, const int losses) {
    const int dim = m->dim;
    for (int64_t i = 0; i < len; i++) {
        float alpha = alpha_start + alpha_step * (float)i;
        int64_t lo, hi;
        fw_window(m, w, i, len, &lo, &hi);
        for (int64_t j = lo; j < hi; j++) {
            if (j == i) continue;
            float *l1 = m->syn0 + (int64_t)sent[j] * dim;
            memset(w->grad, 0, dim * sizeof(float));
            fw_predict(m, w, l1, sent[i], alpha, compute_loss, losses);
            fw_axpy(fw_lockf(m, sent[j]), w->grad, l1, dim);
        }
    }
}

FW_INLINE void fw_train_sentence_cbow(const fw_model *m, fw_worker *w, const int32_t *sent,
                                      int64_t len, float alpha_start, float alpha_step,
                                      int compute_loss, const int losses) {
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
        fw_predict(m, w, w->hidden, sent[i], alpha, compute_loss, losses);
        /* gensim's convention: the mean passes the full gradient to every context word,
         * the sum divides it by the number of context words. */
        float scale = m->cbow_mean ? 1.0f : inv;
        for (int64_t j = lo; j < hi; j++)
            if (j != i)
                fw_axpy(scale * fw_lockf(m, sent[j]), w->grad, m->syn0 + (int64_t)sent[j] * dim, dim);
    }
}

/* Skip-gram, one block per centre word and loss: its window's context rows against the
 * centre word's outputs. */
FW_INLINE void fw_train_sentence_sg_batched(const fw_model *m, fw_worker *w, const int32_t *sent,
                                            int64_t len, float alpha_start, float alpha_step,
                                            int compute_loss, const int losses) {
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
        /* a wide window in blocks of at most FW_BLOCK_INPUTS rows, each with its own
         * negatives, in window order */
        int n_blocks = (n_in + FW_BLOCK_INPUTS - 1) / FW_BLOCK_INPUTS;
        if ((losses & FW_NEGATIVE_SAMPLING) && n_blocks > 1) fw_ns_draw_blocks(&m->ns, w, n_blocks);
        for (int b = 0; b < n_blocks; b++) {
            int start = b * n_in / n_blocks, end = (b + 1) * n_in / n_blocks;
            fw_output_blocks(m, w, w->in_rows + start, w->block_grad + (int64_t)start * dim,
                             end - start, sent, i, len, b, alpha, compute_loss, losses);
        }
        int a = 0;  /* input a is the a-th context word, in window order */
        for (int64_t j = lo; j < hi; j++) {
            if (j == i) continue;
            fw_axpy(fw_lockf(m, sent[j]), w->block_grad + (int64_t)a * dim, w->in_rows[a], dim);
            a++;
        }
    }
}

/* CBOW with the block update: the context mean (or sum) against the centre word's outputs,
 * all scored from the same old values. Differs from the classic scheme only when one
 * negative is drawn twice for a centre word. */
FW_INLINE void fw_train_sentence_cbow_batched(const fw_model *m, fw_worker *w,
                                              const int32_t *sent, int64_t len, float alpha_start,
                                              float alpha_step, int compute_loss,
                                              const int losses) {
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
        fw_output_blocks(m, w, w->in_rows, w->block_grad, 1, sent, i, len, 0, alpha,
                         compute_loss, losses);
        float scale = m->cbow_mean ? 1.0f : inv;
        int c = 0;  /* context row c is the c-th context word, in window order */
        for (int64_t j = lo; j < hi; j++)
            if (j != i) fw_axpy(scale * fw_lockf(m, sent[j]), w->block_grad, context[c++], dim);
    }
}

/*
 * Train on a batch of sentences with the losses `losses`. `ids` holds the in-vocabulary
 * word ids of all sentences back to back; sentence s is ids[ends[s-1]:ends[s]]
 * (ends[-1] = 0). The learning rate falls linearly from alpha_start to alpha_end across the
 * batch's words, word by word. w->kept must hold at least the longest sentence.
 */
FW_INLINE void fw_train_sentences(const fw_model *m, fw_worker *w, const int32_t *ids,
                                  const int64_t *ends, int64_t n_sentences, float alpha_start,
                                  float alpha_end, int compute_loss, const int losses) {
    int64_t total = n_sentences ? ends[n_sentences - 1] : 0;
    int64_t start = 0;
    fw_loss_begin_batch(m, w, losses);
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
        if (m->sg && m->batched)
            fw_train_sentence_sg_batched(m, w, w->kept, kept, a0, step, compute_loss, losses);
        else if (m->sg)
            fw_train_sentence_sg(m, w, w->kept, kept, a0, step, compute_loss, losses);
        else if (m->batched)
            fw_train_sentence_cbow_batched(m, w, w->kept, kept, a0, step, compute_loss, losses);
        else
            fw_train_sentence_cbow(m, w, w->kept, kept, a0, step, compute_loss, losses);
        w->trained_words += kept;
        start = ends[s];
    }
    fw_loss_end_batch(m, w, losses);
}

/* One function per loss (or both), each compiled for the variant's instruction set: the
 * losses are chosen once per batch, without a test of the model's settings inside the
 * sentence loop, and each function stays the size of one set of trainers. */
#define FW_TRAIN_BATCH_FOR(name, losses)                                                    \
    FW_VARIANT_TARGET FW_NOINLINE static void FW_VARIANT_NAME(name)(                       \
            const fw_model *m, fw_worker *w, const int32_t *ids, const int64_t *ends,      \
            int64_t n_sentences, float alpha_start, float alpha_end, int compute_loss) {   \
        fw_train_sentences(m, w, ids, ends, n_sentences, alpha_start, alpha_end,          \
                           compute_loss, losses);                                          \
    }
FW_TRAIN_BATCH_FOR(fw_train_batch_ns, FW_NEGATIVE_SAMPLING)
FW_TRAIN_BATCH_FOR(fw_train_batch_hs, FW_HIERARCHICAL_SOFTMAX)
FW_TRAIN_BATCH_FOR(fw_train_batch_ns_hs, FW_NEGATIVE_SAMPLING | FW_HIERARCHICAL_SOFTMAX)

static void FW_VARIANT_NAME(fw_train_batch)(const fw_model *m, fw_worker *w, const int32_t *ids,
                                            const int64_t *ends, int64_t n_sentences,
                                            float alpha_start, float alpha_end,
                                            int compute_loss) {
    if (m->losses == FW_NEGATIVE_SAMPLING)
        FW_VARIANT_NAME(fw_train_batch_ns)(m, w, ids, ends, n_sentences, alpha_start, alpha_end,
                                           compute_loss);
    else if (m->losses == FW_HIERARCHICAL_SOFTMAX)
        FW_VARIANT_NAME(fw_train_batch_hs)(m, w, ids, ends, n_sentences, alpha_start, alpha_end,
                                           compute_loss);
    else
        FW_VARIANT_NAME(fw_train_batch_ns_hs)(m, w, ids, ends, n_sentences, alpha_start,
                                              alpha_end, compute_loss);
}
