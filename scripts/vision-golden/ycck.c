/* Dev-only: writes an Adobe YCCK JPEG, which neither Pillow nor cjpeg can produce.
 * Usage: ycck WIDTH HEIGHT QUALITY < cmyk.raw > out.jpg, where cmyk.raw is Adobe-inverted CMYK (Pillow's "CMYK;I").
 * Build: cc -O2 -o ycck ycck.c -ljpeg (Debian: libjpeg62-turbo-dev). */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ycck WIDTH HEIGHT QUALITY < cmyk.raw > out.jpg\n");
        return 2;
    }
    int width = atoi(argv[1]), height = atoi(argv[2]), quality = atoi(argv[3]);
    size_t row_bytes = (size_t)width * 4;
    unsigned char *pixels = malloc(row_bytes * height);
    if (!pixels || fread(pixels, 1, row_bytes * height, stdin) != row_bytes * height) {
        fprintf(stderr, "ycck: short input\n");
        return 1;
    }
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, stdout);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 4;
    cinfo.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&cinfo);
    /* YCCK makes libjpeg write the Adobe marker with transform 2. */
    jpeg_set_colorspace(&cinfo, JCS_YCCK);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = pixels + cinfo.next_scanline * row_bytes;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(pixels);
    return 0;
}
