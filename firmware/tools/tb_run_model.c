/* Host tool: read raw int8 input records from stdin, write raw int8 output records to stdout.
 * Used by the kernel tests to compare the generated model with LiteRT byte for byte.
 * A record is all graph inputs back to back (single-op test models may have two inputs). */
#include <stdio.h>

#include "tb_model.h"

int main(void)
{
    static const int sizes[TB_MODEL_INPUT_COUNT] = TB_MODEL_INPUT_SIZES;
    for (;;) {
        for (int i = 0; i < TB_MODEL_INPUT_COUNT; ++i) {
            if (fread(tb_model_input_at(i), 1, (size_t)sizes[i], stdin) != (size_t)sizes[i]) {
                return 0;
            }
        }
        tb_model_invoke();
        fwrite(tb_model_output(), 1, TB_MODEL_OUTPUT_SIZE, stdout);
    }
}
