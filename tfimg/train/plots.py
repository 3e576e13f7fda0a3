"""Figures of an evaluation: the confusion matrix and training curves, as PNG files."""


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ImportError("Plots need matplotlib: pip install 'tfimg[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    return pyplot


def plot_confusion_matrix(matrix, class_names, path):
    """Writes the confusion matrix (rows: true class, columns: predicted) with counts."""
    pyplot = _pyplot()
    size = max(4, 0.5 * len(class_names) + 2)
    figure, axes = pyplot.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    peak = max(max(row) for row in matrix) or 1
    for row, values in enumerate(matrix):
        for column, value in enumerate(values):
            axes.text(column, row, str(value), ha="center", va="center",
                      color="white" if value > peak / 2 else "black", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def plot_history(history, path):
    """Writes loss and accuracy per epoch (training and validation) side by side."""
    pyplot = _pyplot()
    figure, panels = pyplot.subplots(1, 2, figsize=(10, 4))
    for panel, metric in zip(panels, ("loss", "accuracy")):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            if history.get(key):
                panel.plot(range(1, len(history[key]) + 1), history[key], label=label)
        panel.set_xlabel("epoch")
        panel.set_ylabel(metric)
        panel.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
