"""Statistics of a box dataset: boxes per class and box sizes. Plain Python (matplotlib only for
the optional figure)."""

import collections
import dataclasses


@dataclasses.dataclass(frozen=True)
class BoxStats:
    """Attributes:
        images: annotated images.
        class_counts: {class name: boxes}, most frequent first.
        sizes: (width, height) in pixels of every box.
    """

    images: int
    class_counts: dict
    sizes: list

    def table(self):
        """Lines of text: one per class, then the totals."""
        lines = [f"{name:>20} {count:7d}" for name, count in self.class_counts.items()]
        return lines + [f"{self.images} images, {len(self.sizes)} boxes"]

    def plot(self, path):
        """Writes a PNG: the class histogram beside a scatter of box widths and heights."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        left.barh(list(self.class_counts), list(self.class_counts.values()))
        left.set_xlabel("boxes")
        right.scatter([w for w, _ in self.sizes], [h for _, h in self.sizes], s=8, alpha=0.5)
        right.set_xlabel("box width (px)")
        right.set_ylabel("box height (px)")
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)


def box_stats(annotations):
    """`BoxStats` of a list of `Annotation`s."""
    counts = collections.Counter(box.name for annotation in annotations
                                 for box in annotation.boxes)
    sizes = [(box.xmax - box.xmin, box.ymax - box.ymin) for annotation in annotations
             for box in annotation.boxes]
    return BoxStats(len(annotations), dict(counts.most_common()), sizes)
