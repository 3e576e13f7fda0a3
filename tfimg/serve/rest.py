"""TF Serving's REST predict format: request JSON to NumPy inputs, outputs to response JSON.

The format (https://www.tensorflow.org/tfx/serving/api_rest):
- row: `{"signature_name": ..., "instances": [value or {input: value}, ...]}` answered with
  `{"predictions": [value or {output: value}, ...]}`;
- columnar: `{"inputs": value or {input: value}}` answered with
  `{"outputs": value or {output: value}}`;
- binary strings travel as `{"b64": "<base64>"}`; string outputs come back as text, or as
  `{"b64": ...}` when their name ends in `_bytes` or they are not UTF-8.

Image inputs (string inputs of tfimg's exports) are checked here, before the graph runs, so that
an error names the instance: base64, a format the decoder reads, and a declared pixel count
within the limit (decompression bombs are refused from their header).

Plain Python and NumPy; no TensorFlow.
"""

import base64
import binascii
import json

import numpy as np

from tfimg.formats import ImageError, open_header


class RequestError(ValueError):
    """A request the server refuses: `status` is its HTTP status, the message its JSON error."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def check_image(data, where, max_pixels):
    """The declared pixel count (width * height) of bytes that must be a decodable image of at
    most `max_pixels` declared pixels (`tfimg.formats.open_header`: content and header only).

    Raises:
        RequestError naming `where` (e.g. "instances[3]").
    """
    try:
        image, _ = open_header(data, max_pixels)
    except ImageError as error:
        raise RequestError(f"{where}: {error}") from None
    width, height = image.size
    image.close()
    return width * height


def _is_b64(value):
    return isinstance(value, dict) and set(value) == {"b64"}


def _string(value, where):
    if _is_b64(value):
        if not isinstance(value["b64"], str):
            raise RequestError(f"{where}.b64: expected a base64 string, received "
                               f"{type(value['b64']).__name__}")
        try:
            return base64.b64decode(value["b64"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise RequestError(f"{where}.b64: invalid base64 ({error})") from None
    if isinstance(value, str):
        return value.encode("utf-8")
    raise RequestError(f"{where}: expected {{\"b64\": ...}} or a string, received "
                       f"{json.dumps(value)[:80]}")


def _column(values, name, spec, where, limits):
    """One input's batch as a NumPy array of the signature's dtype and shape; `limits` is
    (max_pixels per image, max_request_pixels over the column)."""
    dtype, shape = spec
    if dtype == "string":
        if not isinstance(values, list):
            raise RequestError(f"{where}: expected a list of {{\"b64\": ...}} values for "
                               f"input {name!r}")
        column = [_string(value, f"{where}[{i}]") for i, value in enumerate(values)]
        if name.endswith("image_bytes"):
            max_pixels, max_request_pixels = limits
            total = 0
            for i, data in enumerate(column):
                total += check_image(data, f"{where}[{i}]", max_pixels)
                if total > max_request_pixels:
                    raise RequestError(
                        f"{where}[{i}]: the images up to this one declare {total} pixels, over "
                        f"the limit of {max_request_pixels} per request (send fewer or smaller "
                        f"images per request)")
        return np.array(column, dtype=object)
    try:
        array = np.asarray(values, dtype=np.dtype(dtype))
    except (TypeError, ValueError, OverflowError) as error:
        raise RequestError(f"{where}: expected numbers ({dtype}) for input {name!r}: "
                           f"{error}") from None
    expected = ["-1" if size is None else str(size) for size in shape]
    if array.ndim != len(shape) or any(size is not None and size != got
                                       for size, got in zip(shape, array.shape)):
        raise RequestError(f"{where}: expected shape ({', '.join(expected)}) for input "
                           f"{name!r}, received {array.shape}")
    return array


def load_request(body):
    """The JSON object of a predict request body (bytes), its top-level fields checked.

    Raises:
        RequestError (400) for malformed JSON (numbers of over 4300 digits and nesting deeper
        than Python's recursion limit included) or fields TF Serving does not know.
    """
    try:
        request = json.loads(body)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise RequestError(f"Malformed JSON request body: {error}") from None
    except RecursionError:
        raise RequestError("Malformed JSON request body: nested too deeply") from None
    if not isinstance(request, dict):
        raise RequestError("Expected a JSON object with \"instances\" or \"inputs\"")
    unknown = set(request) - {"signature_name", "instances", "inputs"}
    if unknown:
        raise RequestError(f"Unknown fields {sorted(unknown)} in the request")
    if ("instances" in request) == ("inputs" in request):
        raise RequestError("Expected exactly one of \"instances\" (row format) or \"inputs\" "
                           "(columnar format)")
    signature = request.setdefault("signature_name", "serving_default")
    if not isinstance(signature, str):
        raise RequestError(f"signature_name: expected a string, received {signature!r}")
    return request


def parse_inputs(request, specs, max_batch, max_pixels, max_request_pixels):
    """(row format?, {input name: NumPy array}) of a request from `load_request`.

    Args:
        request: the request object.
        specs: {input name: (dtype name, shape)} of the signature (`ServedModel.input_specs`).
        max_batch: most instances (rows) accepted.
        max_pixels: largest declared pixel count of an image input.
        max_request_pixels: largest sum of declared pixel counts over an image input's
            instances.

    Raises:
        RequestError (400) naming the field at fault.
    """
    rows = "instances" in request
    names = list(specs)
    if rows:
        instances = request["instances"]
        if not isinstance(instances, list) or not instances:
            raise RequestError("instances: expected a non-empty list")
        columns = _rows_to_columns(instances, names)
        where = "instances"
        labels = {name: where for name in names}
    else:
        value = request["inputs"]
        named = isinstance(value, dict) and not _is_b64(value)
        columns = value if named else {names[0]: value}
        if len(names) > 1 and not named:
            raise RequestError(f"inputs: expected an object with inputs {names}")
        where = "inputs"
        labels = {name: f"inputs.{name}" if named else "inputs" for name in names}
    missing, extra = set(names) - set(columns), set(columns) - set(names)
    if missing or extra:
        raise RequestError(f"{where}: expected inputs {names}, received {sorted(columns)}")
    arrays = {}
    for name in names:
        label = labels[name]
        if not isinstance(columns[name], list) or not columns[name]:
            raise RequestError(f"{label}: expected a non-empty list for input {name!r}")
        if len(columns[name]) > max_batch:
            raise RequestError(f"{label}: {len(columns[name])} instances is over the "
                               f"limit of {max_batch} per request")
        arrays[name] = _column(columns[name], name, specs[name], label,
                               (max_pixels, max_request_pixels))
    return rows, arrays


def _rows_to_columns(instances, names):
    if len(names) == 1 and not all(isinstance(row, dict) and names[0] in row and len(row) == 1
                                   for row in instances):
        return {names[0]: instances}
    columns = {name: [] for name in names}
    for i, row in enumerate(instances):
        if not isinstance(row, dict) or set(row) != set(names):
            raise RequestError(f"instances[{i}]: expected an object with inputs {names}")
        for name in names:
            columns[name].append(row[name])
    return columns


def _json_value(array, name):
    if array.dtype == object:
        def text(value):
            if not name.endswith("_bytes"):
                try:
                    return value.decode("utf-8")
                except UnicodeDecodeError:
                    pass
            return {"b64": base64.b64encode(value).decode("ascii")}
        return np.vectorize(text, otypes=[object])(array).tolist() if array.size else []
    return array.tolist()


def format_predictions(outputs, rows):
    """The response body (bytes) for {output name: NumPy array} in the request's format."""
    values = {name: _json_value(array, name) for name, array in outputs.items()}
    if rows:
        if len(values) == 1:
            body = {"predictions": next(iter(values.values()))}
        else:
            count = len(next(iter(values.values())))
            body = {"predictions": [{name: value[i] for name, value in values.items()}
                                    for i in range(count)]}
    else:
        body = {"outputs": next(iter(values.values())) if len(values) == 1 else values}
    return json.dumps(body).encode("utf-8")
