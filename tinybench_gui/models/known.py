"""The official MLPerf Tiny reference models, identified by sha256.

Hashes and repository paths are those of github.com/mlcommons/tiny at the commit below
(../shared/mlperf_tiny/SOURCES.txt). The files themselves are not part of tinybench.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MLCOMMONS_TINY_COMMIT: Final = "1afd2c9820f795965a6134facd0b4dfae41ef23f"
RAW_BASE_URL: Final = f"https://raw.githubusercontent.com/mlcommons/tiny/{MLCOMMONS_TINY_COMMIT}/"


@dataclass(frozen=True, slots=True)
class ModelRef:
    """One reference model file: where it lives in the official tree and its hash."""

    key: str  # e.g. "kws01-int8"
    relative_path: str  # path below an mlperf_tiny folder, e.g. "kws01/kws_ref_model.tflite"
    sha256: str
    repo_path: str  # path in the mlcommons/tiny repository
    size_bytes: int

    @property
    def filename(self) -> str:
        """The file's base name."""
        return self.relative_path.rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        """The official download address, pinned to one commit."""
        return RAW_BASE_URL + self.repo_path


_TRAINED = "benchmark/training"
KNOWN_MODELS: Final[dict[str, ModelRef]] = {
    m.key: m
    for m in (
        ModelRef(
            "kws01-int8",
            "kws01/kws_ref_model.tflite",
            "aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae",
            f"{_TRAINED}/keyword_spotting/trained_models/kws_ref_model.tflite",
            53936,
        ),
        ModelRef(
            "kws01-float",
            "kws01/kws_ref_model_float32.tflite",
            "e5004c6f1012246e33fa068d8488325538e0444073cd361f5a7edb40c73f12d2",
            f"{_TRAINED}/keyword_spotting/trained_models/kws_ref_model_float32.tflite",
            43392,
        ),
        ModelRef(
            "vww01-int8",
            "vww01/vww_96_int8.tflite",
            "597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b",
            f"{_TRAINED}/visual_wake_words/trained_models/vww_96_int8.tflite",
            333288,
        ),
        ModelRef(
            "vww01-float",
            "vww01/vww_96_float.tflite",
            "115bbc094d2119561320a21f01b6500a18bea8cc8589282ab007097bec8af38c",
            f"{_TRAINED}/visual_wake_words/trained_models/vww_96_float.tflite",
            866284,
        ),
        ModelRef(
            "ic01-int8",
            "ic01/pretrainedResnet_quant.tflite",
            "3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415",
            f"{_TRAINED}/image_classification/trained_models/pretrainedResnet_quant.tflite",
            98496,
        ),
        ModelRef(
            "ic01-float",
            "ic01/pretrainedResnet.tflite",
            "b5c0046d6e0328b4956afd6baa29555a29b1f1c65bdd45aaed75b7cd484d9f79",
            f"{_TRAINED}/image_classification/trained_models/pretrainedResnet.tflite",
            318144,
        ),
        ModelRef(
            "ic02-int8",
            "ic02/pretrainedResnet_large_int8.tflite",
            "dc27dcd823f5665533352f7da516b0c9bc6f089914b8283782e55961b3423fcf",
            f"{_TRAINED}/image_classification/trained_models/pretrainedResnet_large_int8.tflite",
            512024,
        ),
        ModelRef(
            "ic02-float",
            "ic02/pretrainedResnet_large_float.tflite",
            "fb17ae9c1b6d0e5bd97f0f35024f207556261d7310b249716c87cc0628214b0e",
            f"{_TRAINED}/image_classification/trained_models/pretrainedResnet_large_float.tflite",
            1929208,
        ),
        ModelRef(
            "ad01-int8",
            "ad01/ad01_int8.tflite",
            "87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24",
            f"{_TRAINED}/anomaly_detection/trained_models/ad01_int8.tflite",
            276976,
        ),
        ModelRef(
            "ad01-float",
            "ad01/ad01_fp32.tflite",
            "c66636f4d7f8af8b10518e7be750a22c9d8d46ec97326b40b0d94c097e0aad9b",
            f"{_TRAINED}/anomaly_detection/trained_models/ad01_fp32.tflite",
            1067648,
        ),
        ModelRef(
            "sww01-int8",
            "sww01/str_ww_ref_model.tflite",
            "3af8550895ba7d5c584277102b5075c52dcfa63ba9d2b2240f37c4e6abd5dd2b",
            f"{_TRAINED}/streaming_wakeword/trained_models/str_ww_ref_model.tflite",
            74520,
        ),
    )
}


def model_ref(key: str) -> ModelRef:
    """The reference model called ``key`` (``kws01-int8``...); ``KeyError`` lists the keys."""
    try:
        return KNOWN_MODELS[key]
    except KeyError:
        raise KeyError(f"unknown model {key!r}; known: {', '.join(sorted(KNOWN_MODELS))}") from None
