"""The same saved weights give the same outputs on the JAX backend as on TensorFlow (the models
are written on `keras.ops` only). Skipped where JAX is not installed."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfimg.models import DnCnn, Edsr, Espcn, SrResNet

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="JAX is not installed")

_RUN = """
import json, sys
import numpy as np
from tfimg.models import load_model
inputs = np.load(sys.argv[1])
outputs = {}
for path in sys.argv[2:]:
    outputs[path] = np.asarray(load_model(path, compile=False)(inputs)).tolist()
print(json.dumps(outputs))
"""


def test_restoration_models_compute_the_same_on_jax(tmp_path):
    inputs = np.random.default_rng(0).uniform(size=(1, 12, 16, 3)).astype("float32")
    np.save(tmp_path / "inputs.npy", inputs)
    models = {"edsr": Edsr(scale=2, filters=8, blocks=2), "espcn": Espcn(3, (8, 8)),
              "espcn_bicubic": Espcn(4, (8, 8), skip="bicubic"),
              "dncnn": DnCnn(8, 4, downscale=2), "srresnet": SrResNet(2, 8, 1)}
    expected = {}
    for name, model in models.items():
        path = str(tmp_path / f"{name}.keras")
        expected[path] = np.asarray(model(inputs))
        model.save(path)
    environment = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", _RUN, str(tmp_path / "inputs.npy"),
                             *expected], capture_output=True, text=True, env=environment,
                            timeout=300, check=True)
    outputs = json.loads(result.stdout.strip().splitlines()[-1])
    for path, values in expected.items():
        np.testing.assert_allclose(np.array(outputs[path]), values, atol=1e-4,
                                   err_msg=os.path.basename(path))
