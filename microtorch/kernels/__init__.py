"""Pure-numpy kernels (no autograd): window views, im2col/col2im, pooling windows."""
