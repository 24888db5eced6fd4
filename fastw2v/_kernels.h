/*
 * fastw2v training kernels: skip-gram and CBOW, each in two update schemes (classic: word2vec.c's
 * pair by pair; batched: each centre word's inputs and outputs as one block, as pWord2Vec's
 * HogBatch), with negative sampling, hierarchical softmax or both.
 *
 *   _kernel_base.h         per-thread state and scratch, random generator, sigmoid table
 *   _loss_ns.h             negative sampling: its outputs (alias-table draws) and gradient
 *   _loss_hs.h             hierarchical softmax: its outputs (Huffman paths), gradient and
 *                          the per-thread copies of the top Huffman nodes
 *   _sentence_trainers.h   the four sentence trainers, written once for any loss
 *   _vectors.h             dot products and row updates on GNU C vectors
 *   _vectors_portable.h    the same in ISO C loops, for MSVC (see _portable.h)
 *   _kernels.h             the model (fw_model, one struct built by TrainingKernel), the
 *                          loss interface and one fw_train_batch per instruction set
 *
 * Everything here runs without the GIL. fw_train_batch is compiled once per instruction set
 * (x86-64-v4 with AVX-512, x86-64-v3 with AVX2 and FMA, baseline x86-64), each with vectors
 * as wide as its registers, and fastw2v.cpu picks one at import (fw_use_variant): the best
 * this CPU runs, or the one that FASTW2V_CPU_VARIANT names. So one wheel runs on any x86-64
 * CPU, uses the wide registers where they exist, and every variant can be tested on one
 * machine. Other compilers and CPUs, and FW_PORTABLE builds, build the baseline alone.
 *
 * No value of the weights or the learning rate makes a kernel index out of bounds: the
 * sigmoid table is indexed through a clamp that NaN cannot pass, and every NaN dot product
 * is counted in fw_worker.nonfinite, so that training that diverges is stopped.
 */
#ifndef FASTW2V_KERNELS_H
#define FASTW2V_KERNELS_H

#include "_kernel_base.h"
#include "_loss_hs.h"
#include "_loss_ns.h"

#if FW_GNU_C && !defined(__clang__) && defined(__x86_64__) && __GNUC__ >= 11
#define FW_HAVE_VARIANTS 1
#else
#define FW_HAVE_VARIANTS 0
#endif

/* The losses a model trains with, as the bits of fw_model.losses. With both (gensim's hs=1
 * and negative > 0), each prediction goes through hierarchical softmax, then negative
 * sampling, and the input takes both gradients. */
enum { FW_NEGATIVE_SAMPLING = 1, FW_HIERARCHICAL_SOFTMAX = 2 };

/* Everything a training run shares between its threads, filled by TrainingKernel from one
 * KernelConfig. Only the weight matrices change, updated in place Hogwild-style as in
 * word2vec.c and gensim. */
typedef struct {
    float *syn0;                    /* input vectors, n_words x dim */
    int dim;
    int32_t n_words;
    int sg;                         /* 1 skip-gram, 0 CBOW */
    int batched;                    /* 1 the batched scheme, 0 the classic one */
    int window;
    int cbow_mean;
    int shrink_windows;
    const uint64_t *keep_threshold; /* subsampling: keep word w if rand32 < keep_threshold[w] */
    const float *lockf;             /* per-word factor of syn0 updates (gensim's vectors_lockf), NULL: 1 */
    const float *sigmoid_table;     /* FW_SIGMOID_TABLE_SIZE + 1 entries over [-MAX_EXP, MAX_EXP] */
    int losses;                     /* FW_NEGATIVE_SAMPLING | FW_HIERARCHICAL_SOFTMAX */
    fw_negative_sampling ns;
    fw_hierarchical_softmax hs;
} fw_model;

/* The most context rows a skip-gram block of the batched scheme shares one set of negatives
 * between: wider windows are split into near-equal blocks, each with its own negatives. One
 * set for ~20 rows costs quality (graph walks at window 10: 0.941 of nearest neighbours in
 * the node's community, against 0.948 in blocks of 10 and 0.967 for word2vec.c's pairs);
 * windows up to 5, text's default, stay one block. */
#define FW_BLOCK_INPUTS 10

/* Blocks of the widest window of model `m`. */
FW_INLINE int fw_max_blocks(const fw_model *m) {
    return (2 * m->window + FW_BLOCK_INPUTS - 1) / FW_BLOCK_INPUTS;
}

/* Size the worker's scratch for model `m`; 0 on success, -1 when out of memory. */
static int fw_worker_prepare(fw_worker *w, const fw_model *m) {
    int negative = (m->losses & FW_NEGATIVE_SAMPLING) ? m->ns.negative : 0;
    int code_len = (m->losses & FW_HIERARCHICAL_SOFTMAX) ? m->hs.max_code_len : 0;
    int64_t top = (m->losses & FW_HIERARCHICAL_SOFTMAX) ? (int64_t)m->hs.top_nodes * m->dim : 0;
    int n_out = negative + 1 > code_len ? negative + 1 : code_len;
    int max_blocks = fw_max_blocks(m) > 1 ? fw_max_blocks(m) : 1;
    return fw_worker_reserve(w, 2 * m->window, n_out, m->dim, negative * max_blocks, top);
}

/*
 * The loss interface of the sentence trainers: a loss gives the outputs one prediction is
 * scored against (rows and labels, into w->out_rows and w->labels) and the gradient
 * coefficient of a score, and may act at the start and end of a batch. `loss` is a
 * constant wherever these are inlined, so the choice costs nothing at run time.
 */

/* The outputs of one prediction of `target`, in the classic scheme. */
FW_INLINE int fw_loss_outputs(const fw_model *m, fw_worker *w, int loss, int32_t target) {
    if (loss == FW_HIERARCHICAL_SOFTMAX) return fw_hs_outputs(&m->hs, w, target);
    return fw_ns_outputs(&m->ns, w, target);
}

FW_INLINE float fw_loss_gradient(const fw_model *m, int loss, float label, float f) {
    if (loss == FW_HIERARCHICAL_SOFTMAX) return fw_hs_gradient(m->sigmoid_table, label, f);
    return fw_ns_gradient(m->sigmoid_table, label, f);
}

FW_INLINE void fw_loss_begin_batch(const fw_model *m, fw_worker *w, int losses) {
    if (losses & FW_HIERARCHICAL_SOFTMAX) fw_hs_begin_batch(&m->hs, w);
}

FW_INLINE void fw_loss_end_batch(const fw_model *m, fw_worker *w, int losses) {
    if (losses & FW_HIERARCHICAL_SOFTMAX) fw_hs_end_batch(&m->hs, w);
}

/* The context positions [lo, hi) around centre i: a reduced window drawn uniformly in
 * [1, window] (or the full window), clipped to the sentence. */
/* The factor of word `word`'s input-row updates: 0 locks the row (gensim's vectors_lockf). */
FW_INLINE float fw_lockf(const fw_model *m, int32_t word) {
    return m->lockf ? m->lockf[word] : 1.0f;
}

FW_INLINE void fw_window(const fw_model *m, fw_worker *w, int64_t i, int64_t len, int64_t *lo,
                         int64_t *hi) {
    int b = m->window;
    if (m->shrink_windows) b -= (int)(fw_next_random(&w->rng) % (uint64_t)m->window);
    *lo = i - b < 0 ? 0 : i - b;
    *hi = i + b + 1 > len ? len : i + b + 1;
}

/* Start fetching the input row that enters the window FW_CONTEXT_AHEAD centre words ahead
 * (one step ahead is too late for rows that come from memory). */
#define FW_CONTEXT_AHEAD 2
FW_INLINE void fw_prefetch_context(const fw_model *m, const int32_t *sent, int64_t i, int64_t len) {
    int64_t ahead = i + m->window + FW_CONTEXT_AHEAD;
    if (ahead < len) fw_prefetch_row(m->syn0 + (int64_t)sent[ahead] * m->dim, m->dim);
}

/* The trainers once per variant: FW_VARIANT_NAME(fw_dot) is fw_dot_v4 in the x86-64-v4 copy,
 * and that copy's vectors hold FW_LANES = 16 floats. The baseline takes the widest vectors
 * the compiler's own target holds (4 floats, SSE2, unless built with -march). */
#define FW_CONCAT2(a, b) a##b
#define FW_CONCAT(a, b) FW_CONCAT2(a, b)
#define FW_VARIANT_NAME(name) FW_CONCAT(name, FW_VARIANT)

#define FW_VARIANT _baseline
#if defined(__AVX512F__)
#define FW_LANES 16
#elif defined(__AVX__)
#define FW_LANES 8
#else
#define FW_LANES 4
#endif
#define FW_VARIANT_TARGET
#include "_sentence_trainers.h"
#undef FW_VARIANT
#undef FW_LANES
#undef FW_VARIANT_TARGET

#if FW_HAVE_VARIANTS
#define FW_VARIANT _v3
#define FW_LANES 8
#define FW_VARIANT_TARGET __attribute__((target("arch=x86-64-v3")))
#include "_sentence_trainers.h"
#undef FW_VARIANT
#undef FW_LANES
#undef FW_VARIANT_TARGET

#define FW_VARIANT _v4
#define FW_LANES 16
#define FW_VARIANT_TARGET __attribute__((target("arch=x86-64-v4")))
#include "_sentence_trainers.h"
#undef FW_VARIANT
#undef FW_LANES
#undef FW_VARIANT_TARGET
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
