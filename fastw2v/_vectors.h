/*
 * Dot products and row updates with GCC vector extensions, FW_LANES floats a step: the
 * widest vector one register of the variant holds (16 with AVX-512, 8 with AVX2, 4 with
 * SSE2), since wider vectors than the registers would be split through the stack. The last
 * dim % FW_LANES floats go through the narrower vectors, so only dim % 4 floats are left to
 * scalar code.
 *
 * Included by _sentence_trainers.h once per variant, with FW_LANES set; each copy's names
 * carry the variant's suffix (FW_VARIANT_NAME).
 */
#ifndef FASTW2V_VECTOR_TYPES
#define FASTW2V_VECTOR_TYPES
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"  /* vectors never cross a call: all inlined */
#endif
typedef float fw_vec16 __attribute__((vector_size(64)));
typedef float fw_vec8 __attribute__((vector_size(32)));
typedef float fw_vec4 __attribute__((vector_size(16)));
typedef float fw_uvec16 __attribute__((vector_size(64), aligned(4), may_alias));
typedef float fw_uvec8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float fw_uvec4 __attribute__((vector_size(16), aligned(4), may_alias));

FW_INLINE fw_vec8 fw_load8(const float *p) { return *(const fw_uvec8 *)p; }
FW_INLINE fw_vec4 fw_load4(const float *p) { return *(const fw_uvec4 *)p; }
FW_INLINE void fw_store8(float *p, fw_vec8 v) { *(fw_uvec8 *)p = v; }
FW_INLINE void fw_store4(float *p, fw_vec4 v) { *(fw_uvec4 *)p = v; }

/* Horizontal sums by halves: 16 lanes to 8, 8 to 4, 4 to one float. */
FW_INLINE fw_vec8 fw_fold16(fw_vec16 v) {
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
#endif

/* This variant's vector of FW_LANES floats (fw_vec16 with AVX-512), and its operations. */
#define fw_vec FW_CONCAT(fw_vec, FW_LANES)
#define fw_uvec FW_CONCAT(fw_uvec, FW_LANES)
#define fw_load FW_VARIANT_NAME(fw_load)
#define fw_store FW_VARIANT_NAME(fw_store)
#define fw_dot_finish FW_VARIANT_NAME(fw_dot_finish)
#define fw_dot FW_VARIANT_NAME(fw_dot)
#define fw_axpy FW_VARIANT_NAME(fw_axpy)
#define fw_dot4 FW_VARIANT_NAME(fw_dot4)
#define fw_axpy_rows FW_VARIANT_NAME(fw_axpy_rows)
#define fw_dots FW_VARIANT_NAME(fw_dots)
#define fw_dots2 FW_VARIANT_NAME(fw_dots2)
#define fw_axpy_rows2 FW_VARIANT_NAME(fw_axpy_rows2)

FW_INLINE fw_vec fw_load(const float *p) { return *(const fw_uvec *)p; }
FW_INLINE void fw_store(float *p, fw_vec v) { *(fw_uvec *)p = v; }

/* Dot products of x with n <= 4 rows starting at offset k (where the accumulators acc[r]
 * stopped): fold them down to 4 lanes, adding the 8- and 4-float steps on the way, then
 * the scalar rest. */
FW_INLINE void fw_dot_finish(const float *restrict x, float *const *rows, int n, int k, int dim,
                             const fw_vec *acc, float *out) {
    fw_vec4 acc4[4];
#if FW_LANES == 16
    fw_vec8 acc8[4];
    for (int r = 0; r < n; r++) acc8[r] = fw_fold16(acc[r]);
    if (k + 8 <= dim) {
        fw_vec8 v = fw_load8(x + k);
        for (int r = 0; r < n; r++) acc8[r] += v * fw_load8(rows[r] + k);
        k += 8;
    }
    for (int r = 0; r < n; r++) acc4[r] = fw_fold8(acc8[r]);
#elif FW_LANES == 8
    for (int r = 0; r < n; r++) acc4[r] = fw_fold8(acc[r]);
#else
    for (int r = 0; r < n; r++) acc4[r] = acc[r];
#endif
    if (FW_LANES > 4 && k + 4 <= dim) {
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
    if (FW_LANES > 8 && k + 8 <= dim) {
        fw_store8(y + k, fw_load8(y + k) + alpha * fw_load8(x + k));
        k += 8;
    }
    if (FW_LANES > 4 && k + 4 <= dim) {
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

/* out[r] = x . rows[r] for the n <= 4 rows r (n a constant where this is inlined). */
FW_INLINE void fw_dots(const float *restrict x, float *const *rows, const int n, int dim,
                       float *out) {
    fw_vec acc[4] = {{0}, {0}, {0}, {0}};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES) {
        fw_vec v = fw_load(x + k);
        for (int r = 0; r < n; r++) acc[r] += v * fw_load(rows[r] + k);
    }
    fw_dot_finish(x, rows, n, k, dim, acc, out);
}

/* out0[r] = x0 . rows[r] and out1[r] = x1 . rows[r] for the n <= 4 rows r: each piece of a
 * row is loaded once for both inputs (n a constant where this is inlined). */
FW_INLINE void fw_dots2(const float *restrict x0, const float *restrict x1, float *const *rows,
                        const int n, int dim, float *out0, float *out1) {
    fw_vec acc0[4] = {{0}, {0}, {0}, {0}}, acc1[4] = {{0}, {0}, {0}, {0}};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES) {
        fw_vec v0 = fw_load(x0 + k), v1 = fw_load(x1 + k);
        for (int r = 0; r < n; r++) {
            fw_vec row = fw_load(rows[r] + k);
            acc0[r] += v0 * row;
            acc1[r] += v1 * row;
        }
    }
    fw_dot_finish(x0, rows, n, k, dim, acc0, out0);
    fw_dot_finish(x1, rows, n, k, dim, acc1, out1);
}

/* y0 += sum_t coef0[t] * rows[t] and y1 += sum_t coef1[t] * rows[t], for two different rows
 * y0 and y1: each piece of rows[t] is loaded once for both. */
FW_INLINE void fw_axpy_rows2(float *restrict y0, float *restrict y1, const float *coef0,
                             const float *coef1, float *const *rows, int n, int dim) {
    int k = 0;
    for (; k + 2 * FW_LANES <= dim; k += 2 * FW_LANES) {
        fw_vec a0 = fw_load(y0 + k), a1 = fw_load(y0 + k + FW_LANES);
        fw_vec b0 = fw_load(y1 + k), b1 = fw_load(y1 + k + FW_LANES);
        for (int t = 0; t < n; t++) {
            fw_vec r0 = fw_load(rows[t] + k), r1 = fw_load(rows[t] + k + FW_LANES);
            a0 += coef0[t] * r0;
            a1 += coef0[t] * r1;
            b0 += coef1[t] * r0;
            b1 += coef1[t] * r1;
        }
        fw_store(y0 + k, a0);
        fw_store(y0 + k + FW_LANES, a1);
        fw_store(y1 + k, b0);
        fw_store(y1 + k + FW_LANES, b1);
    }
    for (int t = 0; k < dim && t < n; t++) {  /* the rest, under 2 * FW_LANES floats */
        fw_axpy(coef0[t], rows[t] + k, y0 + k, dim - k);
        fw_axpy(coef1[t], rows[t] + k, y1 + k, dim - k);
    }
}

/* y += sum_t coef[t] * rows[t]. y is read and written once; the columns of y are taken
 * 4 * FW_LANES floats at a time, so four independent sums run side by side instead of one
 * chain. */
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
    /* the rest (under 2 * FW_LANES floats) in one pass: FW_LANES-, 8- and 4-float pieces
     * side by side (the narrower ones where they are narrower than FW_LANES) */
    if (k < dim) {
        int kv = k + FW_LANES <= dim ? k : -1;
        if (kv >= 0) k += FW_LANES;
        int k8 = FW_LANES > 8 && k + 8 <= dim ? k : -1;
        if (k8 >= 0) k += 8;
        int k4 = FW_LANES > 4 && k + 4 <= dim ? k : -1;
        if (k4 >= 0) k += 4;
        fw_vec av = {0};
        fw_vec8 a8 = {0};
        fw_vec4 a4 = {0};
        if (kv >= 0) av = fw_load(y + kv);
        if (k8 >= 0) a8 = fw_load8(y + k8);
        if (k4 >= 0) a4 = fw_load4(y + k4);
        for (int t = 0; t < n; t++) {
            const float *r = rows[t];
            float c = coef[t];
            if (kv >= 0) av += c * fw_load(r + kv);
            if (k8 >= 0) a8 += c * fw_load8(r + k8);
            if (k4 >= 0) a4 += c * fw_load4(r + k4);
            for (int j = k; j < dim; j++) y[j] += c * r[j];
        }
        if (kv >= 0) fw_store(y + kv, av);
        if (k8 >= 0) fw_store8(y + k8, a8);
        if (k4 >= 0) fw_store4(y + k4, a4);
    }
}
