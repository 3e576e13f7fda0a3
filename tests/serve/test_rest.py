"""TF Serving's REST JSON, both ways, without a server: row and columnar requests, image checks
that name the instance, and outputs as TF Serving writes them."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from tests.data.hostile import bomb_png
from tfimg.serve.rest import (RequestError, check_image, format_predictions, load_request,
                              parse_inputs)

IMAGE_SPECS = {"image_bytes": ("string", (None,))}
FLOAT_SPECS = {"images": ("float32", (None, 2, 2, 3))}


def _png(size=(4, 3)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def _b64(data):
    return {"b64": base64.b64encode(data).decode("ascii")}


def _parse(request, specs=IMAGE_SPECS, max_batch=8):
    return parse_inputs(load_request(json.dumps(request).encode()), specs, max_batch, 10_000,
                        40_000)


def test_row_and_columnar_requests_give_the_same_bytes():
    png = _png()
    for request in ({"instances": [_b64(png), _b64(png)]},
                    {"instances": [{"image_bytes": _b64(png)}, {"image_bytes": _b64(png)}]},
                    {"inputs": [_b64(png), _b64(png)]},
                    {"inputs": {"image_bytes": [_b64(png), _b64(png)]}}):
        rows, inputs = _parse(request)
        assert rows == ("instances" in request)
        assert list(inputs) == ["image_bytes"] and list(inputs["image_bytes"]) == [png, png]


def test_float_inputs_are_checked_against_the_signature_shape():
    value = np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)
    _, inputs = _parse({"inputs": {"images": value.tolist()}}, FLOAT_SPECS)
    np.testing.assert_array_equal(inputs["images"], value)
    assert inputs["images"].dtype == np.float32
    with pytest.raises(RequestError, match=r"inputs.images: expected shape \(-1, 2, 2, 3\)"):
        _parse({"inputs": {"images": [[1.0, 2.0]]}}, FLOAT_SPECS)
    with pytest.raises(RequestError, match="expected numbers"):
        _parse({"instances": [[["a"]]]}, FLOAT_SPECS)


@pytest.mark.parametrize("request_value, message", [
    ({"instances": [{"b64": "!!!"}]}, r"instances\[0\].b64: invalid base64"),
    ({"instances": [_b64(_png()), _b64(b"<html>hello</html>")]}, r"instances\[1\]: not an image"),
    ({"instances": [_b64(b"II*\0" + bytes(40))]}, r"instances\[0\]: a TIFF image"),
    ({"instances": [_b64(bomb_png())]}, r"instances\[0\]: declared .*(20000x20000|400000000)"),
    ({"instances": [_b64(_png()[:30])]}, r"instances\[0\]: corrupt PNG header"),
    ({"instances": [7]}, r"instances\[0\]: expected \{\"b64\": ...\}"),
    ({"instances": []}, "instances: expected a non-empty list"),
    ({"instances": [_b64(_png())] * 9}, "9 instances is over the limit of 8"),
    ({"inputs": {"pixels": [_b64(_png())]}}, r"expected inputs \['image_bytes'\]"),
    ({"instances": [_b64(_png())], "inputs": [_b64(_png())]}, "exactly one of"),
    ({"instances": [_b64(_png())], "extra": 1}, r"Unknown fields \['extra'\]"),
    ({"instances": [_b64(_png())], "signature_name": 3}, "signature_name: expected a string"),
])
def test_bad_requests_name_the_field(request_value, message):
    with pytest.raises(RequestError, match=message) as raised:
        _parse(request_value)
    assert raised.value.status == 400


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b"\xff\xfe", b"", b"[" * 100_000,
                                  b'{"instances": [' + b"1" * 5000 + b"]}"])
def test_malformed_json_is_a_request_error(body):
    with pytest.raises(RequestError, match="Malformed JSON|Expected a JSON object") as raised:
        load_request(body)
    assert raised.value.status == 400


def test_the_pixel_budget_counts_every_image_of_a_request():
    """Four 100x100 images fit 40,000 declared pixels; a fifth goes over, named, before any
    pixel is decoded (the attack: hundreds of tiny all-black PNGs declaring huge sizes)."""
    png = _png((100, 100))
    _, inputs = _parse({"instances": [_b64(png)] * 4})
    assert len(inputs["image_bytes"]) == 4
    with pytest.raises(RequestError, match=r"instances\[4\]: the images up to this one declare "
                                           r"50000 pixels, over the limit of 40000"):
        _parse({"instances": [_b64(png)] * 5})
    with pytest.raises(RequestError, match=r"inputs\[4\]: .* over the limit of 40000"):
        _parse({"inputs": [_b64(png)] * 5})


def test_numbers_out_of_range_are_a_request_error():
    specs = {"counts": ("int32", (None,))}
    with pytest.raises(RequestError, match="expected numbers"):
        _parse({"instances": [10 ** 30]}, specs)
    with pytest.raises(RequestError, match="expected numbers"):
        _parse({"inputs": {"images": [[[[10 ** 400] * 3] * 2] * 2]}}, FLOAT_SPECS)


def test_check_image_takes_the_limit_from_the_header():
    check_image(_png((100, 100)), "x", max_pixels=10_000)
    with pytest.raises(RequestError, match="x: declared size 100x101"):
        check_image(_png((100, 101)), "x", max_pixels=10_000)


def test_outputs_are_written_as_tf_serving_writes_them():
    outputs = {"scores": np.array([[0.25, 0.75], [1.0, 0.0]], np.float32),
               "classes": np.array([[b"cat", b"dog"], [b"cat", b"dog"]], dtype=object)}
    rows = json.loads(format_predictions(outputs, rows=True))
    assert rows == {"predictions": [{"scores": [0.25, 0.75], "classes": ["cat", "dog"]},
                                    {"scores": [1.0, 0.0], "classes": ["cat", "dog"]}]}
    columns = json.loads(format_predictions(outputs, rows=False))
    assert columns == {"outputs": {"scores": [[0.25, 0.75], [1.0, 0.0]],
                                   "classes": [["cat", "dog"], ["cat", "dog"]]}}
    single = json.loads(format_predictions({"scores": outputs["scores"]}, rows=True))
    assert single == {"predictions": [[0.25, 0.75], [1.0, 0.0]]}
    binary = json.loads(format_predictions(
        {"thumb_bytes": np.array([b"ab"], dtype=object),
         "name": np.array([b"\xff"], dtype=object)}, rows=False))
    assert binary == {"outputs": {"thumb_bytes": [{"b64": "YWI="}], "name": [{"b64": "/w=="}]}}
