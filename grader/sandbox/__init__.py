"""The untrusted worker process: the parent's client, the frame codec, the child's program, the template, the kernel's isolation layers and the tier probe."""
