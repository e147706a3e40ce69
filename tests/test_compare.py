from drafting.output.compare import paragraph_diff


def test_changed_paragraphs_are_flagged_on_both_sides():
    left, right = paragraph_diff("标题\n一是开会\n二是慰问", "标题\n一是开会\n二是慰问职工\n三是培训")
    assert left == [(False, "标题"), (False, "一是开会"), (True, "二是慰问")]
    assert right == [(False, "标题"), (False, "一是开会"), (True, "二是慰问职工"), (True, "三是培训")]
