"""The selling grid follows each keystroke by difference (issue 18), and still shows
exactly the search's results in order."""

from kiosk.ui.sell import PAGE, update_by_difference


def test_update_by_difference_reaches_the_new_list_with_the_fewest_changes():
    a, b, c, d = ({"product_id": i} for i in range(4))
    for old, new in (([a, b, c], [a, b, c]), ([a, b, c], [a, b]), ([a, b], [a, b, c, d]), ([a, b, c], [a, d, c]),
                     ([a, b], []), ([], [c, d]), ([a, b, c], [d])):
        data = list(old)
        kept = [id(x) for x in data]
        update_by_difference(data, [dict(x) for x in new])
        assert data == new
        same = next((i for i, (x, y) in enumerate(zip(old, new)) if x != y), min(len(old), len(new)))
        assert [id(x) for x in data[:same]] == kept[:same]  # the unchanged head is left alone


def test_each_keystroke_shows_the_search_s_results_in_order(seller):
    sell = seller.screen("sell")
    for query in ("j", "ja", "jab", "ja", "", "xqzw", "l"):
        if query:
            sell.query = query[:-1]
            sell.type_text(query[-1])
        else:
            sell.clear_search()
        seller.until(lambda q=query: sell.shown_query == q, what=f"the grid for {query!r}")
        seller.frames()
        wanted = [p.id for p in seller.app.services.catalog.search(query, limit=PAGE)]
        assert [d["product_id"] for d in sell.ids.catalog.data] == wanted, query
