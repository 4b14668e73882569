"""Messages that libraries (marshmallow, webargs) write in English and the app shows to people.

Never imported: this file only exists so that `pybabel extract` puts these msgids into
messages.pot next to ours, and `pybabel update` keeps their translations. `translate_message`
(wuye_core/i18n.py) finds them by exact match, or, for templates, by matching marshmallow's
formatted message back to the template; placeholders such as {min} stay verbatim in the
translation and are filled in with str.format.

tests/test_i18n.py fails when marshmallow gains a message that is missing here.
"""

from wuye_core.i18n import N_

MARSHMALLOW = [
    # Schema
    N_("Invalid input type."),
    N_("Unknown field."),
    # Fields
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid UUID."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("Not a valid IP address."),
    N_("Not a valid IPv4 address."),
    N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."),
    N_("Not a valid IPv4 interface."),
    N_("Not a valid IPv6 interface."),
    N_("Not a valid period of time."),
    N_("{input!r} cannot be formatted as a timedelta."),
    N_("Not a valid date."),
    N_('"{input}" cannot be formatted as a date.'),
    N_("Not a valid {obj_type}."),
    N_("Not a valid {awareness} {obj_type}."),
    N_('"{input}" cannot be formatted as a {obj_type}.'),
    # ... and the same filled in with each date/time field's type, so that no English word
    # ("datetime", "aware") is left in the Chinese message.
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Must be one of: {choices}."),
    # Validators
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be equal to {other}."),
    N_("String does not match expected pattern."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("One or more of the choices you made was in: {values}."),
    # Range, with its operators filled in ("Must be {min_op} {{min}}.")
    N_("Must be greater than {min}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be less than {max}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
]

WEBARGS = [
    N_("Invalid JSON body."),  # a body sent as JSON that does not parse (400)
]
