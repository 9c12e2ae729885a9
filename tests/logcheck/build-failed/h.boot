error=build-kernel: patch 0001-foo.patch does not apply to linux-source-6.12
