"""`tfimg predict --server` sends files in batches bounded by count and by bytes."""

from tfimg.cli import predict


def test_batches_are_bounded_by_count_and_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(predict, "SERVER_BATCH", 3)
    monkeypatch.setattr(predict, "SERVER_BATCH_BYTES", 100)
    sizes = [10, 10, 10, 10, 60, 50, 500, 5]
    paths = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"{index}.jpg"
        path.write_bytes(b"x" * size)
        paths.append(str(path))
    paths.insert(2, str(tmp_path / "missing.jpg"))
    errors = []
    batches = list(predict._batches(paths, errors.append))
    assert [[index for index, _ in batch] for batch in batches] == [
        [0, 1, 3], [4, 5], [6], [7], [8]]
    # Bytes arrive with their indices; the large file travels alone; the unreadable one is
    # reported by name.
    assert [len(content) for _, content in batches[2]] == [50]
    assert len(errors) == 1 and "missing.jpg" in str(errors[0])
