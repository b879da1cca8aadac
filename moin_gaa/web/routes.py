"""The one place that imports every view module, so that their routes are on the ``gaa`` blueprint.

The app factory imports this module; no other module imports a view module of another instrument.
"""

from moin_gaa.calendars import import_views as calendar_import_views
from moin_gaa.calendars import key_views as calendar_key_views
from moin_gaa.calendars import views as calendar_views
from moin_gaa.discussions import group_views
from moin_gaa.discussions import views as discussion_views
from moin_gaa.notifications import activity_views
from moin_gaa.notifications import views as notification_views
from moin_gaa.partners import views as directory_views
from moin_gaa.toolbox import views as toolbox_views
from moin_gaa.web import catalog_views

VIEW_MODULES = (
    calendar_views, calendar_import_views, calendar_key_views, directory_views, discussion_views, group_views,
    toolbox_views, catalog_views, notification_views, activity_views,
)
