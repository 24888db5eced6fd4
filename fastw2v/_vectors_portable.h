/*
 * The functions of _vectors.h in ISO C loops, for compilers without GNU C's vector types
 * (MSVC; GCC and Clang with FW_PORTABLE, see _portable.h), left to the compiler to vectorise.
 *
 * A dot product keeps FW_LANES partial sums side by side, lane j summing the products j,
 * j + FW_LANES, ..., as the vectors of _vectors.h do: such a loop vectorises without
 * reordering a sum, which compilers do only when allowed to reassociate floats (MSVC only
 * with /fp:fast). Row updates are plain loops over the floats of a row (the simplest for
 * a vectoriser), adding the rows to each float of the result in the order _vectors.h does.
 *
 * Included by _sentence_trainers.h with FW_LANES set; the names carry the variant's suffix
 * (FW_VARIANT_NAME), as those of _vectors.h do.
 */
#define fw_sum_lanes FW_VARIANT_NAME(fw_sum_lanes)
#define fw_dot FW_VARIANT_NAME(fw_dot)
#define fw_axpy FW_VARIANT_NAME(fw_axpy)
#define fw_dots FW_VARIANT_NAME(fw_dots)
#define fw_dots2 FW_VARIANT_NAME(fw_dots2)
#define fw_axpy_rows FW_VARIANT_NAME(fw_axpy_rows)
#define fw_axpy_rows2 FW_VARIANT_NAME(fw_axpy_rows2)

/* The sum of FW_LANES partial sums, by halves (overwrites them). */
FW_INLINE float fw_sum_lanes(float *acc) {
    for (int width = FW_LANES / 2; width > 0; width /= 2)
        for (int j = 0; j < width; j++) acc[j] += acc[j + width];
    return acc[0];
}

FW_INLINE float fw_dot(const float *FW_RESTRICT a, const float *FW_RESTRICT b, int dim) {
    float acc[FW_LANES] = {0};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES)
        for (int j = 0; j < FW_LANES; j++) acc[j] += a[k + j] * b[k + j];
    float s = fw_sum_lanes(acc);
    for (; k < dim; k++) s += a[k] * b[k];
    return s;
}

/* y += alpha * x */
FW_INLINE void fw_axpy(float alpha, const float *FW_RESTRICT x, float *FW_RESTRICT y, int dim) {
    for (int k = 0; k < dim; k++) y[k] += alpha * x[k];
}

/* out[r] = x . rows[r] for the n <= 4 rows r (n a constant where this is inlined). */
FW_INLINE void fw_dots(const float *FW_RESTRICT x, float *const *rows, const int n, int dim,
                       float *out) {
    float acc[4][FW_LANES] = {{0}};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES)
        for (int r = 0; r < n; r++)
            for (int j = 0; j < FW_LANES; j++) acc[r][j] += x[k + j] * rows[r][k + j];
    for (int r = 0; r < n; r++) {
        float s = fw_sum_lanes(acc[r]);
        for (int j = k; j < dim; j++) s += x[j] * rows[r][j];
        out[r] = s;
    }
}

/* out0[r] = x0 . rows[r] and out1[r] = x1 . rows[r] for the n <= 4 rows r, each piece of a
 * row read once for both inputs. */
FW_INLINE void fw_dots2(const float *FW_RESTRICT x0, const float *FW_RESTRICT x1,
                        float *const *rows, const int n, int dim, float *out0, float *out1) {
    float acc0[4][FW_LANES] = {{0}}, acc1[4][FW_LANES] = {{0}};
    int k = 0;
    for (; k + FW_LANES <= dim; k += FW_LANES)
        for (int r = 0; r < n; r++)
            for (int j = 0; j < FW_LANES; j++) {
                float row = rows[r][k + j];
                acc0[r][j] += x0[k + j] * row;
                acc1[r][j] += x1[k + j] * row;
            }
    for (int r = 0; r < n; r++) {
        float s0 = fw_sum_lanes(acc0[r]), s1 = fw_sum_lanes(acc1[r]);
        for (int j = k; j < dim; j++) {
            s0 += x0[j] * rows[r][j];
            s1 += x1[j] * rows[r][j];
        }
        out0[r] = s0;
        out1[r] = s1;
    }
}

/* y += sum_t coef[t] * rows[t] */
FW_INLINE void fw_axpy_rows(float *FW_RESTRICT y, const float *coef, float *const *rows, int n,
                            int dim) {
    for (int t = 0; t < n; t++) fw_axpy(coef[t], rows[t], y, dim);
}

/* y0 += sum_t coef0[t] * rows[t] and y1 += sum_t coef1[t] * rows[t], for two different rows
 * y0 and y1: each row read once for both. */
FW_INLINE void fw_axpy_rows2(float *FW_RESTRICT y0, float *FW_RESTRICT y1, const float *coef0,
                             const float *coef1, float *const *rows, int n, int dim) {
    for (int t = 0; t < n; t++) {
        const float *r = rows[t];
        float c0 = coef0[t], c1 = coef1[t];
        for (int k = 0; k < dim; k++) {
            y0[k] += c0 * r[k];
            y1[k] += c1 * r[k];
        }
    }
}
