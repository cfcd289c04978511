"""Every feedback page in English: the interface speaks English; only names and the citizen's own words stay."""

import re

from django.test import Client

from layers import roles
from layers.feedback import intake, workflow

from .conftest import TOWN

# Vietnamese letters that English never uses: one in the interface text means a missing translation.
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # The feedback app's own content only: the shared header and its skip link belong to the web app.
    html = html[html.index('id="gp-content"') :]
    html = re.sub(r'<option value="\d+"[^>]*>.*?</option>', " ", html)  # commune and village names: proper nouns
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_feedback_page_in_english_speaks_english(district, users):
    complaint, _ = intake.submit(intake.Report(category="rubbish", description="Rác ở chợ", lon=TOWN[0], lat=TOWN[1]))
    officer_user = users[roles.FEEDBACK_OFFICER]
    workflow.respond(complaint.pk, officer_user, action="start", answer="Đang dọn", internal="Gọi thôn")
    officer = Client(HTTP_ACCEPT_LANGUAGE="en")
    officer.force_login(officer_user)
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    data = {
        complaint.description,
        complaint.agency_responsible,
        "Đang dọn",
        "Gọi thôn",
        "Thị trấn Trà My",
        "Bắc Trà My",
    }
    data |= {"Trà Sơn", "Trà My", "VI", "Tiếng Việt"}
    pages = {
        "/feedback/": public,
        f"/feedback/track/{complaint.tracking_code}/?new=1": public,
        "/feedback/track/PA-ZZZZ2222/": public,
        "/feedback/track/": public,
        "/feedback/queue/": officer,
        f"/feedback/queue/{complaint.tracking_code}/": officer,
    }
    for url, client in pages.items():
        text = _visible_text(client.get(url).content.decode())
        for word in sorted(data, key=len, reverse=True):
            text = text.replace(word, " ")
        leftovers = [w for w in text.split() if VIETNAMESE.search(w)]
        assert not leftovers, (url, leftovers)
    # Refused posts too: the summary and each field's message.
    text = _visible_text(public.post("/feedback/", {"form_token": "t"}).content.decode())
    assert "Not sent yet: 3 things to fix" in text and "Choose the kind of problem." in text
    assert not [w for w in text.split() if VIETNAMESE.search(w) and w not in " ".join(data)]
