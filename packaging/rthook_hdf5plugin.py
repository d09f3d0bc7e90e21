"""Bundle runtime hook: the omitted hdf5plugin filters are absent on purpose, not broken.

``import hdf5plugin`` registers every filter it knows and logs an error for each plugin
library it cannot find. The bundle leaves out the lossy compressors (tinybench.spec,
OMITTED_HDF5_FILTERS), so those messages only are dropped; any other error still shows.
"""

import logging

_OMITTED = ("sz3", "sz", "sperr", "fcidecomp", "htj2k", "zfp")


class _OmittedFilters(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message.startswith("Cannot initialize filter ")
            and message.endswith("File not found")
            and message.split()[3].rstrip(":") in _OMITTED
        )


logging.getLogger("hdf5plugin._utils").addFilter(_OmittedFilters())
