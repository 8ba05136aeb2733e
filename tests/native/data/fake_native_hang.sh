#!/bin/sh
# A stand-in for weft-native whose first run never ends: the watchdog must stop it.
echo '@weft {"event":"begin","run":1}' >&2
exec sleep 600
