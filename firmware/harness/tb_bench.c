/* Benchmark-specific pre- and post-processing, as the reference ports do it
 * (the reference_submissions/<benchmark>/submitter_implemented.cpp files; shared/docs/benchmark.md 4.2).
 * TB_BENCH_KWS/IC/VWW/AD comes from the generated tb_bench_config.h. */
#include <string.h>

#include "ee_harness.h"
#include "tb_bench_config.h"
#include "tb_board.h"
#include "tb_model.h"
#include "tb_printf.h"

static inline float dequantize(int8_t value)
{
    return (float)((int32_t)value - TB_MODEL_OUTPUT_ZERO_POINT) * TB_MODEL_OUTPUT_SCALE;
}

#if TB_BENCH_AD
static float g_input_float[TB_MODEL_INPUT_SIZE];

static int8_t quantize(float value)
{
    /* QuantizeFloatToInt8: round(value / scale) + zero_point, clamped; round() on the double.
     * The float quotient has 24 significant bits, so r + 0.5 is exact below the clamp. */
    double r = (double)(value / TB_MODEL_INPUT_SCALE);
    if (r != r) {
        return 0; /* NaN: what an ARM float-to-int conversion gives the reference */
    }
    if (r > 1.0e6) {
        r = 1.0e6;
    }
    if (r < -1.0e6) {
        r = -1.0e6;
    }
    long long q = (r >= 0.0 ? (long long)(r + 0.5) : -(long long)(-r + 0.5)) + TB_MODEL_INPUT_ZERO_POINT;
    if (q < -128) {
        q = -128;
    }
    if (q > 127) {
        q = 127;
    }
    return (int8_t)q;
}
#endif

void th_final_initialize(void)
{
#if TB_BENCH_AD
    th_printf("Initialized\r\n");
#endif
}

void th_load_tensor(void)
{
#if TB_BENCH_AD
    const size_t want = TB_MODEL_INPUT_SIZE * sizeof(float);
    size_t bytes = ee_get_buffer((uint8_t *)g_input_float, want);
    if (bytes / sizeof(float) != TB_MODEL_INPUT_SIZE) {
        th_printf("Input db has %d elemented, expected %d\n", (int)(bytes / sizeof(float)),
                  (int)TB_MODEL_INPUT_SIZE);
        return;
    }
    int8_t *input = tb_model_input();
    for (size_t i = 0; i < TB_MODEL_INPUT_SIZE; ++i) {
        input[i] = quantize(g_input_float[i]);
    }
#else
    static uint8_t raw[TB_MODEL_INPUT_SIZE];
    size_t bytes = ee_get_buffer(raw, TB_MODEL_INPUT_SIZE);
    if (bytes != TB_MODEL_INPUT_SIZE) {
        th_printf("Input db has %d elemented, expected %d\n", (int)bytes, (int)TB_MODEL_INPUT_SIZE);
        return;
    }
    int8_t *input = tb_model_input();
    for (size_t i = 0; i < TB_MODEL_INPUT_SIZE; ++i) {
#if TB_BENCH_IC || TB_BENCH_VWW
        /* IC: int8 = u8 - 128; VWW: input[i] -= 128 on the int8 view; both are this. */
        input[i] = (int8_t)(uint8_t)(raw[i] - 128u);
#else
        input[i] = (int8_t)raw[i];
#endif
    }
#endif
}

#if EE_CFG_ENERGY_MODE
/* Energy builds hold the per-inference pin low this long after each inference, so that a
 * 100 kS/s monitor (PPK2: one sample per 10 us) sees every inference as its own pulse; the
 * loop overhead alone leaves it low for about 1.4 us. It adds idle time to the timed window:
 * 0.23 % of ad01's 8.6 ms inference on the emulated board, 0.01 % of kws01's. */
#define TB_INFER_PIN_GAP_US 20u
#endif

void th_infer(void)
{
    tb_board_infer_pin(1);
    tb_model_invoke();
    tb_board_infer_pin(0);
#if EE_CFG_ENERGY_MODE
    tb_board_delay_us(TB_INFER_PIN_GAP_US);
#endif
}

void th_results(void)
{
    const int8_t *out = tb_model_output();
#if TB_BENCH_AD
    float diffsum = 0.0f;
    for (size_t i = 0; i < TB_MODEL_INPUT_SIZE; ++i) {
        float diff = dequantize(out[i]) - g_input_float[i];
        diffsum += diff * diff;
    }
    diffsum /= (float)TB_MODEL_INPUT_SIZE;
    th_printf("m-results-[");
    tb_print_fixed3(diffsum);
    th_printf("]\r\n");
#elif TB_BENCH_KWS
    th_printf("m-results-[");
    for (int i = 0; i < TB_MODEL_OUTPUT_SIZE; ++i) {
        float converted = dequantize(out[i]);
        /* The reference prints 0.%d%d%d by hand, for printf without float support. */
        th_printf("0.%d", (int)(converted * 10));
        th_printf("%d", (int)(converted * 100) % 10);
        th_printf("%d", (int)(converted * 1000) % 10);
        if (i < TB_MODEL_OUTPUT_SIZE - 1) {
            th_printf(",");
        }
    }
    th_printf("]\r\n");
#else
    th_printf("m-results-[");
    for (int i = 0; i < TB_MODEL_OUTPUT_SIZE; ++i) {
        tb_print_fixed3(dequantize(out[i]));
        if (i < TB_MODEL_OUTPUT_SIZE - 1) {
            th_printf(",");
        }
    }
    th_printf("]\r\n");
#endif
}
