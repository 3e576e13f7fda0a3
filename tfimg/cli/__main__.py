import sys

from tfimg.cli import main

sys.exit(main())
