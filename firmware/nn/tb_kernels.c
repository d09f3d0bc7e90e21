/* int8 kernels, see tb_kernels.h. Requantization is TFLite's double rounding: a saturating
 * rounding doubling high multiply (gemmlowp), then a rounding right shift. */
#include "tb_kernels.h"

#include <stddef.h>

static inline int32_t srdhm(int32_t a, int32_t b)
{
    /* SaturatingRoundingDoublingHighMul */
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

int32_t tb_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift)
{
    /* The final right shift rounds half *up* (toward +infinity), not away from zero: that is
     * what LiteRT's builtin x86 kernels do (measured: ties-away-from-zero gave 1-LSB differences
     * in ~0.2 % of CONV_2D/FULLY_CONNECTED outputs; this form matched every output). */
    const int32_t left_shift = shift > 0 ? shift : 0;
    const int32_t right_shift = shift > 0 ? 0 : -shift;
    const int32_t high = srdhm((int32_t)((uint32_t)x << left_shift), multiplier);
    if (right_shift == 0) {
        return high;
    }
    return (int32_t)(((int64_t)high + (1LL << (right_shift - 1))) >> right_shift);
}

static inline int8_t clamp_s8(int32_t v, int32_t lo, int32_t hi)
{
    if (v < lo) {
        v = lo;
    }
    if (v > hi) {
        v = hi;
    }
    return (int8_t)v;
}

void tb_conv2d_s8(const tb_conv_params *p, const int8_t *in, int8_t *out)
{
    const int32_t in_c = p->in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            int8_t *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int32_t oc = 0; oc < p->out_c; ++oc) {
                const int8_t *f = p->filter + (size_t)oc * p->k_h * p->k_w * in_c;
                int32_t acc = 0;
                for (int32_t ky = 0; ky < p->k_h; ++ky) {
                    const int32_t iy = in_y0 + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) {
                        continue;
                    }
                    for (int32_t kx = 0; kx < p->k_w; ++kx) {
                        const int32_t ix = in_x0 + kx * p->dil_w;
                        if (ix < 0 || ix >= p->in_w) {
                            continue;
                        }
                        const int8_t *src = in + ((size_t)iy * p->in_w + ix) * in_c;
                        const int8_t *fk = f + ((size_t)ky * p->k_w + kx) * in_c;
                        for (int32_t ic = 0; ic < in_c; ++ic) {
                            acc += ((int32_t)src[ic] + p->input_offset) * (int32_t)fk[ic];
                        }
                    }
                }
                if (p->bias != NULL) {
                    acc += p->bias[oc];
                }
                acc = tb_multiply_by_quantized_multiplier(acc, p->mult[oc], p->shift[oc]);
                acc += p->output_offset;
                o[oc] = clamp_s8(acc, p->act_min, p->act_max);
            }
        }
    }
}

void tb_depthwise_conv2d_s8(const tb_conv_params *p, const int8_t *in, int8_t *out)
{
    const int32_t m = p->depth_multiplier;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            int8_t *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int32_t ic = 0; ic < p->in_c; ++ic) {
                for (int32_t mi = 0; mi < m; ++mi) {
                    const int32_t oc = ic * m + mi;
                    int32_t acc = 0;
                    for (int32_t ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = in_y0 + ky * p->dil_h;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = in_x0 + kx * p->dil_w;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            int32_t v = in[((size_t)iy * p->in_w + ix) * p->in_c + ic];
                            int32_t w = p->filter[((size_t)ky * p->k_w + kx) * p->out_c + oc];
                            acc += (v + p->input_offset) * w;
                        }
                    }
                    if (p->bias != NULL) {
                        acc += p->bias[oc];
                    }
                    acc = tb_multiply_by_quantized_multiplier(acc, p->mult[oc], p->shift[oc]);
                    acc += p->output_offset;
                    o[oc] = clamp_s8(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

void tb_fully_connected_s8(const tb_fc_params *p, const int8_t *in, int8_t *out)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = in + (size_t)b * p->in_depth;
        int8_t *y = out + (size_t)b * p->out_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const int8_t *w = p->filter + (size_t)o * p->in_depth;
            int32_t acc = 0;
            for (int32_t i = 0; i < p->in_depth; ++i) {
                acc += ((int32_t)x[i] + p->input_offset) * (int32_t)w[i];
            }
            if (p->bias != NULL) {
                acc += p->bias[o];
            }
            const int32_t ch = p->per_channel ? o : 0;
            acc = tb_multiply_by_quantized_multiplier(acc, p->mult[ch], p->shift[ch]);
            acc += p->output_offset;
            y[o] = clamp_s8(acc, p->act_min, p->act_max);
        }
    }
}

void tb_average_pool_s8(const tb_pool_params *p, const int8_t *in, int8_t *out)
{
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        const int32_t fy0 = in_y0 < 0 ? -in_y0 : 0;
        const int32_t fy1 = (p->in_h - in_y0) < p->k_h ? (p->in_h - in_y0) : p->k_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            const int32_t fx0 = in_x0 < 0 ? -in_x0 : 0;
            const int32_t fx1 = (p->in_w - in_x0) < p->k_w ? (p->in_w - in_x0) : p->k_w;
            const int32_t count = (fx1 - fx0) * (fy1 - fy0);
            for (int32_t c = 0; c < p->channels; ++c) {
                int32_t acc = 0;
                for (int32_t fy = fy0; fy < fy1; ++fy) {
                    for (int32_t fx = fx0; fx < fx1; ++fx) {
                        acc += in[((size_t)(in_y0 + fy) * p->in_w + (in_x0 + fx)) * p->channels + c];
                    }
                }
                int32_t avg = 0;
                if (count > 0) {
                    /* Rounds half away from zero, as TFLite's int8 average pool. */
                    avg = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                }
                out[((size_t)oy * p->out_w + ox) * p->channels + c] = clamp_s8(avg, p->act_min, p->act_max);
            }
        }
    }
}

void tb_add_s8(const tb_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t a = (int32_t)((uint32_t)(p->input1_offset + in1[i]) << p->left_shift);
        const int32_t b = (int32_t)((uint32_t)(p->input2_offset + in2[i]) << p->left_shift);
        const int32_t sa = tb_multiply_by_quantized_multiplier(a, p->input1_multiplier, p->input1_shift);
        const int32_t sb = tb_multiply_by_quantized_multiplier(b, p->input2_multiplier, p->input2_shift);
        int32_t r = tb_multiply_by_quantized_multiplier(sa + sb, p->output_multiplier, p->output_shift);
        r += p->output_offset;
        out[i] = clamp_s8(r, p->act_min, p->act_max);
    }
}

static int32_t round_half_away(float x)
{
    /* std::round on a float (ties away from zero). Truncation and the fraction are exact. */
    if (x < 0.0f) {
        return -round_half_away(-x);
    }
    if (x >= 8388608.0f) {
        return (int32_t)x;
    }
    const int32_t t = (int32_t)x;
    return t + ((x - (float)t) >= 0.5f ? 1 : 0);
}

void tb_softmax_s8(const tb_softmax_params *p, const int8_t *in, int8_t *out)
{
    for (int32_t r = 0; r < p->outer; ++r) {
        const int8_t *x = in + (size_t)r * p->depth;
        int8_t *y = out + (size_t)r * p->depth;
        int32_t max_val = -128;
        for (int32_t j = 0; j < p->depth; ++j) {
            if (x[j] > max_val) {
                max_val = x[j];
            }
        }
        const float *table = p->table + (255 - max_val);
        float sum_exp = 0.0f;
        for (int32_t j = 0; j < p->depth; ++j) {
            sum_exp += table[x[j]];
        }
        const float inv_sum_exp = 1.0f / (sum_exp * p->output_scale);
        for (int32_t j = 0; j < p->depth; ++j) {
            const float prob = table[x[j]] * inv_sum_exp;
            const int32_t q = round_half_away(prob) + p->output_zero_point;
            y[j] = clamp_s8(q, -128, 127);
        }
    }
}
