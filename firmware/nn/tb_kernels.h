/* int8 kernels with TFLite's integer arithmetic (bit-exact with LiteRT's builtin kernels).
 *
 * Every parameter a kernel needs is precomputed by the generator (tinybench_gui/firmware/codegen.py)
 * the way LiteRT's Prepare step computes it, so the kernels only do the arithmetic of Eval.
 * Layout is NHWC with batch 1, as in the .tflite file.
 */
#ifndef TB_KERNELS_H
#define TB_KERNELS_H

#include <stdint.h>

/* Output channels of one depthwise convolution at most (its per-pixel accumulator row). The
 * generator rejects models above it. */
#define TB_DEPTHWISE_MAX_CHANNELS 512

typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t dil_h, dil_w;
    int32_t pad_h, pad_w;
    int32_t depth_multiplier; /* depthwise only */
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter;  /* conv: OHWI; depthwise: 1HW(C*M) */
    const int32_t *bias;   /* may be NULL */
    const int32_t *mult;   /* one per output channel */
    const int32_t *shift;  /* one per output channel */
} tb_conv_params;

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    int32_t per_channel;
    const int8_t *filter; /* [out_depth][in_depth] */
    const int32_t *bias;  /* may be NULL */
    const int32_t *mult;
    const int32_t *shift;
} tb_fc_params;

typedef struct {
    int32_t in_h, in_w, channels;
    int32_t out_h, out_w;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_h, pad_w;
    int32_t act_min, act_max;
} tb_pool_params;

typedef struct {
    int32_t size;
    int32_t left_shift;
    int32_t input1_offset, input1_multiplier, input1_shift;
    int32_t input2_offset, input2_multiplier, input2_shift;
    int32_t output_offset, output_multiplier, output_shift;
    int32_t act_min, act_max;
} tb_add_params;

typedef struct {
    int32_t outer, depth;
    const float *table; /* 256 entries, table[255 - v] = expf(-input_scale * beta * v) */
    float output_scale;
    int32_t output_zero_point;
} tb_softmax_params;

int32_t tb_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int32_t shift);

void tb_conv2d_s8(const tb_conv_params *p, const int8_t *in, int8_t *out);
void tb_depthwise_conv2d_s8(const tb_conv_params *p, const int8_t *in, int8_t *out);
void tb_fully_connected_s8(const tb_fc_params *p, const int8_t *in, int8_t *out);
void tb_average_pool_s8(const tb_pool_params *p, const int8_t *in, int8_t *out);
void tb_add_s8(const tb_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void tb_softmax_s8(const tb_softmax_params *p, const int8_t *in, int8_t *out);

#endif
