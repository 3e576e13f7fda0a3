"""Acquisition: images from URL lists and crawled pages into a dataset folder with a manifest,
safely (public addresses only, size/time/pixel limits, content checked), politely (robots.txt,
AI opt-outs, per-host limits) and resumably. Plain Python: no TensorFlow import.

    config = DownloadConfig(urls="urls.csv", out="data/raw")
    summary = download(config)         # rerun to resume; see summary.json and manifest.jsonl
"""

from tfimg.acquire.config import DownloadConfig
from tfimg.acquire.crawler import crawl, parse_page
from tfimg.acquire.downloader import download
from tfimg.acquire.manifest import merge, read_rows
from tfimg.acquire.stock import search, write_url_list
from tfimg.acquire.urls import UrlRow, read_url_list

__all__ = ["DownloadConfig", "UrlRow", "crawl", "download", "merge", "parse_page", "read_rows",
           "read_url_list", "search", "write_url_list"]
