"""Decode errors that name the file and the cause."""

import os
import re

import pytest
import tensorflow as tf

from tests.data.samples import read_relative
from tfimg.data import Preprocessing, decode_batch, decode_error_reason, decode_file


@pytest.mark.parametrize("relative, cause", [
    ("bad/truncated.jpg", "corrupt: .*truncated"), ("bad/text.jpg", "not_image"),
    ("bad/page.jpg", "not_image"), ("bad/drawing.svg", "unsupported: svg"),
    ("bad/bomb.png", "too_large: declares .*400000000 pixels"),
    ("bad/empty.jpg", "empty")])
def test_decode_file_names_the_file_and_the_cause(hostile_folder, relative, cause):
    path = os.path.join(hostile_folder, relative)
    decoder = Preprocessing(image_size=(16, 16)).decoder()
    with pytest.raises(ValueError, match=f"^Cannot decode {re.escape(repr(path))}: {cause}"):
        decode_file(decoder, path)


def test_decode_error_reason_keeps_the_cause_only(hostile_folder):
    """TensorFlow's own messages, eager and in a graph (the serving signature's form, as
    TF 2.21 writes it), come down to the line that says what is wrong."""
    for relative, cause in (("bad/text.jpg", "not a JPEG, PNG, GIF, BMP or WebP image"),
                            ("bad/truncated.jpg", "jpeg::Uncompress failed. Invalid JPEG data")):
        with pytest.raises(tf.errors.InvalidArgumentError) as raised:
            decode_batch(tf.constant([read_relative(hostile_folder, relative)]), (8, 8))
        assert decode_error_reason(raised.value).startswith(cause), raised.value.message
    graph = ("Graph execution error:\n\nDetected at node map/while/DecodeJpeg defined at (most "
             "recent call last):\n  File \"serve.py\", line 10, in <module>\n\n"
             "2 root error(s) found.\n  (0) INVALID_ARGUMENT:  assertion failed: "
             "[animated WebP is not supported]\n\t [[{{node Assert_2}}]]\n"
             "(0) INVALID_ARGUMENT: assertion failed: [animated WebP is not supported]\n"
             "\t [[{{node Assert_2}}]] [Op:__inference_signature_wrapper_1850]")
    assert decode_error_reason(tf.errors.InvalidArgumentError(None, None, graph)) == (
        "animated WebP is not supported")
    untagged = graph.split("2 root")[0] + "Input to DecodeImage is empty.\n"
    assert decode_error_reason(tf.errors.InvalidArgumentError(None, None, untagged)) == (
        "Input to DecodeImage is empty.")
