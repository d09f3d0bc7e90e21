/* int8 kernels, see tb_kernels.h. Requantization is TFLite's double rounding: a saturating
 * rounding doubling high multiply (gemmlowp), then a rounding right shift. */
#include "tb_kernels.h"

#include <stddef.h>

/* Dot product with the input offset, sum((x[i] + offset) * w[i]), the inner loop of CONV_2D and
 * FULLY_CONNECTED. Integer sums are exact in any order, so the Cortex-M4 DSP path (two 16-bit
 * multiply-accumulates per SMLAD) gives the same int32 as the plain loop. TB_SIMD32_EMULATE
 * builds the DSP path on the host with C stand-ins for the instructions, so the host tests cover
 * it too. */
#if defined(__ARM_FEATURE_SIMD32) && !defined(TB_SIMD32_EMULATE)
#include <arm_acle.h>
#define TB_SIMD32 1
#define tb_sxtb16(x) __sxtb16(x)
#define tb_sadd16(a, b) __sadd16((a), (b))
#define tb_smlad(a, b, acc) ((int32_t)__smlad((a), (b), (acc)))
#elif defined(TB_SIMD32_EMULATE)
#define TB_SIMD32 1
static inline uint32_t tb_sxtb16(uint32_t x)
{
    uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xFFu);
    uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xFFu);
    return lo | (hi << 16);
}
static inline uint32_t tb_sadd16(uint32_t a, uint32_t b)
{
    uint16_t lo = (uint16_t)((int16_t)(a & 0xFFFFu) + (int16_t)(b & 0xFFFFu));
    uint16_t hi = (uint16_t)((int16_t)(a >> 16) + (int16_t)(b >> 16));
    return (uint32_t)lo | ((uint32_t)hi << 16);
}
static inline int32_t tb_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    int32_t p0 = (int32_t)(int16_t)(a & 0xFFFFu) * (int32_t)(int16_t)(b & 0xFFFFu);
    int32_t p1 = (int32_t)(int16_t)(a >> 16) * (int32_t)(int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)p0 + (uint32_t)p1);
}
#endif
#if defined(TB_SIMD32)
static inline uint32_t tb_ror8(uint32_t x) { return (x >> 8) | (x << 24); } /* one ROR */
#endif

static inline int32_t dot_offset(const int8_t *x, const int8_t *w, int32_t n, int32_t offset)
{
    int32_t acc = 0;
    int32_t i = 0;
#if defined(TB_SIMD32)
    const uint32_t offset2 = ((uint32_t)(uint16_t)offset << 16) | (uint32_t)(uint16_t)offset;
    for (; i + 4 <= n; i += 4) {
        uint32_t xv;
        uint32_t wv;
        __builtin_memcpy(&xv, x + i, 4); /* unaligned word load, inlined even freestanding */
        __builtin_memcpy(&wv, w + i, 4);
        const uint32_t x02 = tb_sadd16(tb_sxtb16(xv), offset2);
        const uint32_t x13 = tb_sadd16(tb_sxtb16(tb_ror8(xv)), offset2);
        acc = tb_smlad(x02, tb_sxtb16(wv), acc);
        acc = tb_smlad(x13, tb_sxtb16(tb_ror8(wv)), acc);
    }
#endif
    for (; i < n; ++i) {
        acc += ((int32_t)x[i] + offset) * (int32_t)w[i];
    }
    return acc;
}

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
            /* The valid kernel columns: with dilation 1 they are one contiguous run of input. */
            int32_t kx0 = 0;
            int32_t kx1 = p->k_w;
            while (kx0 < kx1 && in_x0 + kx0 * p->dil_w < 0) {
                ++kx0;
            }
            while (kx1 > kx0 && in_x0 + (kx1 - 1) * p->dil_w >= p->in_w) {
                --kx1;
            }
            int8_t *o = out + ((size_t)oy * p->out_w + ox) * p->out_c;
            for (int32_t oc = 0; oc < p->out_c; ++oc) {
                const int8_t *f = p->filter + (size_t)oc * p->k_h * p->k_w * in_c;
                int32_t acc = 0;
                for (int32_t ky = 0; ky < p->k_h; ++ky) {
                    const int32_t iy = in_y0 + ky * p->dil_h;
                    if (iy < 0 || iy >= p->in_h) {
                        continue;
                    }
                    const int8_t *row = in + ((size_t)iy * p->in_w) * in_c;
                    const int8_t *frow = f + (size_t)ky * p->k_w * in_c;
                    if (p->dil_w == 1) {
                        acc += dot_offset(row + (size_t)(in_x0 + kx0) * in_c, frow + (size_t)kx0 * in_c,
                                          (kx1 - kx0) * in_c, p->input_offset);
                    } else {
                        for (int32_t kx = kx0; kx < kx1; ++kx) {
                            acc += dot_offset(row + (size_t)(in_x0 + kx * p->dil_w) * in_c,
                                              frow + (size_t)kx * in_c, in_c, p->input_offset);
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
    /* Channel-innermost: input and filter rows are contiguous over channels (NHWC), and one
     * accumulator per output channel of the pixel. */
    static int32_t acc[TB_DEPTHWISE_MAX_CHANNELS];
    const int32_t m = p->depth_multiplier;
    const int32_t channels = p->out_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_w;
            for (int32_t oc = 0; oc < channels; ++oc) {
                acc[oc] = p->bias != NULL ? p->bias[oc] : 0;
            }
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
                    const int8_t *src = in + ((size_t)iy * p->in_w + ix) * p->in_c;
                    const int8_t *w = p->filter + ((size_t)ky * p->k_w + kx) * channels;
                    if (m == 1) {
                        for (int32_t c = 0; c < channels; ++c) {
                            acc[c] += ((int32_t)src[c] + p->input_offset) * (int32_t)w[c];
                        }
                    } else {
                        for (int32_t oc = 0; oc < channels; ++oc) {
                            acc[oc] += ((int32_t)src[oc / m] + p->input_offset) * (int32_t)w[oc];
                        }
                    }
                }
            }
            int8_t *o = out + ((size_t)oy * p->out_w + ox) * channels;
            for (int32_t oc = 0; oc < channels; ++oc) {
                int32_t v = tb_multiply_by_quantized_multiplier(acc[oc], p->mult[oc], p->shift[oc]);
                o[oc] = clamp_s8(v + p->output_offset, p->act_min, p->act_max);
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
            int32_t acc = dot_offset(x, w, p->in_depth, p->input_offset);
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
