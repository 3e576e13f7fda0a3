"""Download speed: `tfimg download` against a plain sequential `requests` loop, on one local
server with simulated latency.

    python benchmarks/download.py --images 10000 --latency 0.05

A server process on 127.0.0.1 answers `/img/N.jpg` with a small distinct JPEG after `--latency`
seconds (a stand-in for the round trip to a real image host). tfimg fetches all `--images` URLs
with every check on (address safety, robots.txt, content validation by full decode, sha256
dedup, atomic writes, manifest); the reference loop is what the survey's snippet does,
`requests.get` then write the bytes, one URL at a time, on the first `--reference` URLs. Rates
are images per second of wall time; CPU is this process's user+system time per image. The
ratio is tfimg's rate over the reference's.
"""

import argparse
import http.server
import io
import multiprocessing
import os
import platform
import shutil
import tempfile
import time

import requests
from PIL import Image

from tfimg.acquire import DownloadConfig, download


def _serve(port_queue, latency):
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (90, 140, 200)).save(out, format="JPEG", quality=90)
    base = out.getvalue()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(latency)
            if not self.path.startswith("/img/"):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            comment = self.path.encode()  # a JPEG comment segment makes each image distinct
            body = base[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + \
                base[2:]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    port_queue.put(server.server_address[1])
    server.serve_forever()


def reference(urls, out):
    os.makedirs(out)
    session = requests.Session()
    for i, url in enumerate(urls):
        response = session.get(url, timeout=10)
        with open(os.path.join(out, f"{i}.jpg"), "wb") as file:
            file.write(response.content)


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--reference", type=int, default=300, help="URLs for the slow loop")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--threads", type=int, default=64)
    args = parser.parse_args()

    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(ports, args.latency), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{ports.get(timeout=30)}"
    scratch = tempfile.mkdtemp(prefix="tfimg-bench-download-")
    try:
        urls = [f"{base}/img/{i}.jpg" for i in range(args.images)]
        with open(os.path.join(scratch, "urls.txt"), "w") as file:
            file.write("\n".join(urls) + "\n")
        config = DownloadConfig(urls=os.path.join(scratch, "urls.txt"),
                                out=os.path.join(scratch, "tfimg"), threads=args.threads,
                                per_host=args.threads, allow_private=("127.0.0.1",))
        summary = {}
        tfimg_wall, tfimg_cpu = timed(lambda: summary.update(download(config, log=lambda _: None)))
        assert summary["by_status"] == {"success": args.images}, summary["by_status"]
        count = min(args.reference, args.images)
        ref_wall, ref_cpu = timed(lambda: reference(urls[:count], os.path.join(scratch, "ref")))
    finally:
        server.terminate()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; local server "
          f"with {args.latency * 1000:.0f} ms latency per request\n")
    print("| downloader | images | images/s | CPU ms per image |\n|---|---:|---:|---:|")
    print(f"| tfimg download, {args.threads} threads, all checks | {args.images:,} | "
          f"{args.images / tfimg_wall:,.0f} | {1000 * tfimg_cpu / args.images:.2f} |")
    print(f"| sequential requests loop (reference) | {count:,} | {count / ref_wall:,.1f} | "
          f"{1000 * ref_cpu / count:.2f} |")
    print(f"ratio tfimg / reference: {(args.images / tfimg_wall) / (count / ref_wall):.1f}")


if __name__ == "__main__":
    main()
