/*
 * Batched nearest-key search (fastw2v.nearest, bf16=True) on AVX512_BF16 CPUs, exact.
 *
 * A first pass scores every key against every query with bfloat16 dot products
 * (vdpbf16ps: twice the float32 FMA rate) and keeps, per query, each key whose approximate
 * score is within `margin` of the query's running k-th best approximate score A. The kept
 * candidates are then scored exactly in float32 (one fused multiply-add per dimension, in
 * order: the same sums on every machine) and the best k are taken.
 *
 * Why no key of the exact top k is dropped: `margin` is 2d, where d bounds |approximate -
 * exact| (computed by the caller). The k keys scoring at least A all have exact scores of at
 * least A - d, so the exact k-th best is at least A - d; a key scoring below A - 2d has an
 * exact score below A - d, strictly below the k-th best: it cannot even tie. A running A, over
 * part of the keys, is at most the final one, so pruning with it early is safe too.
 *
 * The kernels are compiled for AVX-512 through function attributes, so the module builds
 * with plain compiler flags; callers check fw_bf16_supported() before using them. With a
 * compiler other than GCC on x86-64 (or FW_PORTABLE) only the stubs are built and support is
 * reported absent.
 */
#ifndef FASTW2V_NEAREST_H
#define FASTW2V_NEAREST_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_portable.h"

#define FW_QUERY_GROUP 12 /* queries scored together by the micro-kernel */
#define FW_TILE 16        /* keys per tile: one register of scores */

/* fw_bf16_scan results */
#define FW_SCAN_DONE 0
#define FW_SCAN_ODD_NORMS 1 /* a key's unit row is longer than allowed: use the float32 path */
#define FW_SCAN_NO_MEMORY (-1)

/* Per query and scan thread: candidate keys and their approximate scores. */
typedef struct {
    int64_t n_queries;
    int capacity;       /* slots per query */
    float *scores;      /* n_queries x capacity */
    int32_t *rows;      /* n_queries x capacity */
    int32_t *counts;    /* slots in use; -1 once the query overflowed (answered in float32) */
    float *thresholds;  /* keys scoring below are not kept */
} fw_candidates;

#if FW_GNU_C && !defined(__clang__) && defined(__x86_64__) && __GNUC__ >= 10
#define FW_HAVE_BF16_KERNEL 1
#include <immintrin.h>
#define FW_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,fma")))
#else
#define FW_HAVE_BF16_KERNEL 0
#endif

static int fw_bf16_supported(void)
{
#if FW_HAVE_BF16_KERNEL
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16") &&
           __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static int fw_pairs(int dim) { return (dim + 1) / 2; }

/* Words of the packed query layout: groups of FW_QUERY_GROUP queries, pair-major. */
static int64_t fw_packed_query_words(int64_t n_queries, int dim)
{
    return (n_queries + FW_QUERY_GROUP - 1) / FW_QUERY_GROUP * fw_pairs(dim) * FW_QUERY_GROUP;
}

#if FW_HAVE_BF16_KERNEL

/* The k-th largest of values[0:n] (1 <= k <= n); reorders values. */
static float fw_kth_largest(float *values, int n, int k)
{
    int lo = 0, hi = n - 1, target = k - 1;
    while (lo < hi) {
        float pivot = values[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (values[i] > pivot) i++;
            while (values[j] < pivot) j--;
            if (i <= j) {
                float swap = values[i];
                values[i] = values[j];
                values[j] = swap;
                i++;
                j--;
            }
        }
        if (target <= j)
            hi = j;
        else if (target >= i)
            lo = i;
        else
            break;
    }
    return values[target];
}

/* Drop the candidates of query q scoring below (k-th best - margin) and raise its threshold. */
static void fw_prune(fw_candidates *c, int64_t q, int k, float margin, float *scratch)
{
    float *scores = c->scores + q * c->capacity;
    int32_t *rows = c->rows + q * c->capacity;
    int n = c->counts[q], kept = 0;
    memcpy(scratch, scores, n * sizeof(float));
    float threshold = fw_kth_largest(scratch, n, k) - margin;
    for (int i = 0; i < n; i++) {
        if (scores[i] >= threshold) {
            scores[kept] = scores[i];
            rows[kept] = rows[i];
            kept++;
        }
    }
    c->counts[q] = kept;
    c->thresholds[q] = threshold;
}

/* Add the keys first_row + i (bit i of mask) with approximate scores[i] to query q's list. */
static void fw_keep(fw_candidates *c, int64_t q, uint32_t mask, const float *scores,
                    int64_t first_row, int k, float margin, float *scratch)
{
    if (c->counts[q] + __builtin_popcount(mask) > c->capacity) {
        fw_prune(c, q, k, margin, scratch);
        for (uint32_t bits = mask; bits; bits &= bits - 1) {
            int i = __builtin_ctz(bits);
            if (!(scores[i] >= c->thresholds[q]))
                mask &= ~(1u << i);
        }
        if (c->counts[q] + __builtin_popcount(mask) > c->capacity) {
            c->counts[q] = -1; /* too many near-equal scores */
            c->thresholds[q] = INFINITY;
            return;
        }
    }
    int n = c->counts[q];
    for (; mask; mask &= mask - 1) {
        int i = __builtin_ctz(mask);
        c->scores[q * c->capacity + n] = scores[i];
        c->rows[q * c->capacity + n] = (int32_t)(first_row + i);
        n++;
    }
    c->counts[q] = n;
}

typedef struct {
    float similarity;
    int32_t row;
} fw_scored_row;

/* Best first; of equal similarities the earlier row first. */
static int fw_compare_scored(const void *a, const void *b)
{
    const fw_scored_row *x = (const fw_scored_row *)a, *y = (const fw_scored_row *)b;
    if (x->similarity != y->similarity)
        return x->similarity > y->similarity ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* dims [d, d + 32) of row (zero past dim) as 16 bfloat16 pairs, rounded to nearest even. */
FW_AVX512_BF16 static inline __m512i fw_bf16_pairs(const float *row, int dim, int d, __m512 scale,
                                                  __m512 *sum_squares)
{
    __mmask16 low = dim - d >= 16 ? 0xFFFF : (__mmask16)((1u << (dim - d)) - 1);
    __mmask16 high = dim - d >= 32   ? 0xFFFF
                     : dim - d <= 16 ? 0
                                     : (__mmask16)((1u << (dim - d - 16)) - 1);
    __m512 lo = _mm512_maskz_div_ps(low, _mm512_maskz_loadu_ps(low, row + d), scale);
    __m512 hi = _mm512_maskz_div_ps(high, _mm512_maskz_loadu_ps(high, row + d + 16), scale);
    *sum_squares = _mm512_fmadd_ps(lo, lo, _mm512_fmadd_ps(hi, hi, *sum_squares));
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

/* Queries (unit float32 rows) as bfloat16 pairs: word (g * pairs + p) * FW_QUERY_GROUP + j
 * holds dims 2p, 2p + 1 of query g * FW_QUERY_GROUP + j (zero for the padding queries). */
FW_AVX512_BF16 static void fw_bf16_pack_queries(const float *queries, int64_t n_queries, int dim,
                                                uint32_t *packed)
{
    const int pairs = fw_pairs(dim);
    __m512 one = _mm512_set1_ps(1.0f), ignored = _mm512_setzero_ps();
    uint32_t words[16];
    memset(packed, 0, fw_packed_query_words(n_queries, dim) * sizeof(uint32_t));
    for (int64_t q = 0; q < n_queries; q++) {
        uint32_t *group = packed + q / FW_QUERY_GROUP * pairs * FW_QUERY_GROUP + q % FW_QUERY_GROUP;
        for (int d = 0; d < dim; d += 32) {
            _mm512_storeu_si512(words, fw_bf16_pairs(queries + q * dim, dim, d, one, &ignored));
            for (int i = 0; i < 16 && d / 2 + i < pairs; i++)
                group[(d / 2 + i) * FW_QUERY_GROUP] = words[i];
        }
    }
}

/* Unit rows first_row... (up to FW_TILE, not past end_row) as a bfloat16 tile: word
 * p * FW_TILE + i holds dims 2p, 2p + 1 of key i. Sets *valid to the keys that can rank
 * (unit rows without NaN: the float32 path gives the others NaN similarities); returns
 * FW_SCAN_ODD_NORMS if a unit row is longer than sqrt(max_sum_squares). */
FW_AVX512_BF16 static int fw_bf16_key_tile(const float *vectors, const float *norms, int dim,
                                           int64_t first_row, int64_t end_row,
                                           float max_sum_squares, uint32_t *tile, __mmask16 *valid)
{
    const int pairs = fw_pairs(dim);
    uint32_t words[16];
    *valid = 0;
    for (int i = 0; i < FW_TILE; i++) {
        int64_t row = first_row + i;
        if (row < end_row) {
            __m512 scale = _mm512_set1_ps(norms[row]), sum_squares = _mm512_setzero_ps();
            for (int d = 0; d < dim; d += 32) {
                _mm512_storeu_si512(words, fw_bf16_pairs(vectors + row * dim, dim, d, scale, &sum_squares));
                for (int w = 0; w < 16 && d / 2 + w < pairs; w++)
                    tile[(d / 2 + w) * FW_TILE + i] = words[w];
            }
            float length_squared = _mm512_reduce_add_ps(sum_squares);
            if (length_squared <= max_sum_squares) {
                *valid |= (__mmask16)(1u << i);
                continue;
            }
            if (!isnan(length_squared))
                return FW_SCAN_ODD_NORMS;
        }
        for (int p = 0; p < pairs; p++)
            tile[p * FW_TILE + i] = 0;
    }
    return FW_SCAN_DONE;
}

/* Approximate scores of two key tiles (32 keys) against FW_QUERY_GROUP queries; keys that
 * reach a query's threshold join its candidates. */
FW_AVX512_BF16 static inline void fw_bf16_score_group(
    const uint32_t *tiles, const uint32_t *group, int pairs, int64_t first_query, __mmask16 valid0,
    __mmask16 valid1, int64_t first_row, fw_candidates *c, int k, float margin, float *scratch)
{
    const uint32_t *tile1 = tiles + pairs * FW_TILE;
    __m512 acc0[FW_QUERY_GROUP], acc1[FW_QUERY_GROUP];
    for (int j = 0; j < FW_QUERY_GROUP; j++)
        acc0[j] = acc1[j] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        __m512bh keys0 = (__m512bh)_mm512_loadu_si512(tiles + p * FW_TILE);
        __m512bh keys1 = (__m512bh)_mm512_loadu_si512(tile1 + p * FW_TILE);
        const uint32_t *query_pairs = group + p * FW_QUERY_GROUP;
        for (int j = 0; j < FW_QUERY_GROUP; j++) {
            __m512bh query = (__m512bh)_mm512_set1_epi32((int)query_pairs[j]);
            acc0[j] = _mm512_dpbf16_ps(acc0[j], keys0, query);
            acc1[j] = _mm512_dpbf16_ps(acc1[j], keys1, query);
        }
    }
    for (int j = 0; j < FW_QUERY_GROUP && first_query + j < c->n_queries; j++) {
        int64_t q = first_query + j;
        __m512 threshold = _mm512_set1_ps(c->thresholds[q]);
        uint32_t mask = _mm512_mask_cmp_ps_mask(valid0, acc0[j], threshold, _CMP_GE_OQ) |
                        (uint32_t)_mm512_mask_cmp_ps_mask(valid1, acc1[j], threshold, _CMP_GE_OQ) << 16;
        if (mask) {
            float scores[2 * FW_TILE];
            _mm512_storeu_ps(scores, acc0[j]);
            _mm512_storeu_ps(scores + FW_TILE, acc1[j]);
            fw_keep(c, q, mask, scores, first_row, k, margin, scratch);
        }
    }
}

/* First pass over rows [begin_row, end_row), adding to the candidates c (which start with
 * counts 0 and thresholds -inf). packed_queries comes from fw_bf16_pack_queries. Returns a
 * FW_SCAN_ code. */
FW_AVX512_BF16 static int fw_bf16_scan(const uint32_t *packed_queries, const float *vectors,
                                       const float *norms, int dim, int64_t begin_row,
                                       int64_t end_row, float max_sum_squares, int k, float margin,
                                       fw_candidates *c)
{
    const int pairs = fw_pairs(dim);
    const int64_t groups = (c->n_queries + FW_QUERY_GROUP - 1) / FW_QUERY_GROUP;
    size_t tile_bytes = (size_t)2 * FW_TILE * pairs * sizeof(uint32_t);
    uint32_t *tiles = (uint32_t *)_mm_malloc(tile_bytes, 64);
    float *scratch = (float *)malloc(c->capacity * sizeof(float));
    int status = tiles && scratch ? FW_SCAN_DONE : FW_SCAN_NO_MEMORY;
    for (int64_t row = begin_row; row < end_row && status == FW_SCAN_DONE; row += 2 * FW_TILE) {
        __mmask16 valid0, valid1;
        status = fw_bf16_key_tile(vectors, norms, dim, row, end_row, max_sum_squares, tiles, &valid0);
        if (status == FW_SCAN_DONE)
            status = fw_bf16_key_tile(vectors, norms, dim, row + FW_TILE, end_row, max_sum_squares,
                                      tiles + pairs * FW_TILE, &valid1);
        if (status != FW_SCAN_DONE || !(valid0 | valid1))
            continue;
        for (int64_t g = 0; g < groups; g++)
            fw_bf16_score_group(tiles, packed_queries + g * pairs * FW_QUERY_GROUP, pairs,
                                g * FW_QUERY_GROUP, valid0, valid1, row, c, k, margin, scratch);
    }
    _mm_free(tiles);
    free(scratch);
    return status;
}

/* Exact float32 cosines of a unit query with the given rows: the dot product of the query
 * and vectors[row] / norms[row], one fused multiply-add per dimension in order, as the
 * BLAS sgemm kernels compute matmul(unit_rows, queries.T). unit: 16 * dim floats of scratch. */
FW_AVX512_BF16 static void fw_exact_cosines(const float *query, const float *vectors,
                                            const float *norms, int dim, const int32_t *rows,
                                            int64_t n_rows, float *unit, float *out)
{
    float lanes[16];
    for (int64_t first = 0; first < n_rows; first += 16) {
        int n = n_rows - first < 16 ? (int)(n_rows - first) : 16;
        for (int i = 0; i < 16; i++) {
            const float *v = vectors + (int64_t)rows[first + (i < n ? i : 0)] * dim;
            float norm = norms[rows[first + (i < n ? i : 0)]];
            for (int d = 0; d < dim; d++)
                unit[d * 16 + i] = v[d] / norm;
        }
        __m512 acc = _mm512_setzero_ps();
        for (int d = 0; d < dim; d++)
            acc = _mm512_fmadd_ps(_mm512_loadu_ps(unit + d * 16), _mm512_set1_ps(query[d]), acc);
        _mm512_storeu_ps(lanes, acc);
        memcpy(out + first, lanes, n * sizeof(float));
    }
}

/* For each query: merge the candidate lists of the n_scans scans, keep those within margin of
 * the k-th best approximate score, score them exactly and write the best k (similarity
 * descending, then row ascending) to out_rows / out_similarities. fallback[q] is set to 1
 * instead when a list overflowed or fewer than k keys can rank. Returns -1 without memory. */
FW_AVX512_BF16 static int fw_bf16_rerank(const fw_candidates *scans, int n_scans, const float *queries,
                                         const float *vectors, const float *norms, int dim, int k,
                                         float margin, int64_t *out_rows, float *out_similarities,
                                         uint8_t *fallback)
{
    int most = 0;
    for (int s = 0; s < n_scans; s++)
        most += scans[s].capacity;
    float *scores = (float *)malloc(most * sizeof(float));
    int32_t *rows = (int32_t *)malloc(most * sizeof(int32_t));
    float *exact = (float *)malloc(most * sizeof(float));
    fw_scored_row *ranked = (fw_scored_row *)malloc(most * sizeof(fw_scored_row));
    float *unit = (float *)malloc((size_t)16 * dim * sizeof(float));
    int ok = scores && rows && exact && ranked && unit;
    for (int64_t q = 0; ok && q < scans[0].n_queries; q++) {
        int n = 0;
        fallback[q] = 0;
        for (int s = 0; s < n_scans && !fallback[q]; s++) {
            const fw_candidates *c = &scans[s];
            if (c->counts[q] < 0) {
                fallback[q] = 1;
                break;
            }
            memcpy(scores + n, c->scores + q * c->capacity, c->counts[q] * sizeof(float));
            memcpy(rows + n, c->rows + q * c->capacity, c->counts[q] * sizeof(int32_t));
            n += c->counts[q];
        }
        if (fallback[q] || n < k) {
            fallback[q] = 1;
            continue;
        }
        memcpy(exact, scores, n * sizeof(float));
        float threshold = fw_kth_largest(exact, n, k) - margin;
        int kept = 0;
        for (int i = 0; i < n; i++)
            if (scores[i] >= threshold)
                rows[kept++] = rows[i];
        fw_exact_cosines(queries + q * dim, vectors, norms, dim, rows, kept, unit, exact);
        for (int i = 0; i < kept; i++) {
            ranked[i].similarity = exact[i];
            ranked[i].row = rows[i];
        }
        qsort(ranked, kept, sizeof(fw_scored_row), fw_compare_scored);
        for (int i = 0; i < k; i++) {
            out_rows[q * k + i] = ranked[i].row;
            out_similarities[q * k + i] = ranked[i].similarity;
        }
    }
    free(scores);
    free(rows);
    free(exact);
    free(ranked);
    free(unit);
    return ok ? 0 : -1;
}

#else /* no AVX512_BF16 kernels with this compiler: fw_bf16_supported() is 0, never called */

static void fw_bf16_pack_queries(const float *queries, int64_t n_queries, int dim, uint32_t *packed)
{
    (void)queries, (void)n_queries, (void)dim, (void)packed;
}
static int fw_bf16_scan(const uint32_t *packed_queries, const float *vectors, const float *norms,
                        int dim, int64_t begin_row, int64_t end_row, float max_sum_squares, int k,
                        float margin, fw_candidates *c)
{
    (void)packed_queries, (void)vectors, (void)norms, (void)dim, (void)begin_row, (void)end_row;
    (void)max_sum_squares, (void)k, (void)margin, (void)c;
    return FW_SCAN_NO_MEMORY;
}
static void fw_exact_cosines(const float *query, const float *vectors, const float *norms, int dim,
                             const int32_t *rows, int64_t n_rows, float *unit, float *out)
{
    (void)query, (void)vectors, (void)norms, (void)dim, (void)rows, (void)n_rows, (void)unit, (void)out;
}
static int fw_bf16_rerank(const fw_candidates *scans, int n_scans, const float *queries,
                          const float *vectors, const float *norms, int dim, int k, float margin,
                          int64_t *out_rows, float *out_similarities, uint8_t *fallback)
{
    (void)scans, (void)n_scans, (void)queries, (void)vectors, (void)norms, (void)dim, (void)k;
    (void)margin, (void)out_rows, (void)out_similarities, (void)fallback;
    return -1;
}

#endif
#endif
