#!/bin/sh
# A stand-in for weft-native that dies by SIGSEGV in its second run: no verdict, an error.
echo '@weft {"event":"begin","run":1}' >&2
echo '@weft {"event":"end","run":1}' >&2
echo '@weft {"event":"begin","run":2}' >&2
echo 'segfaulting now' >&2
kill -SEGV $$
