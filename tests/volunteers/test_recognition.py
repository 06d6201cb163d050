"""Recognition milestones at their edges."""

from listening.volunteers.recognition import MILESTONES, recognition


def test_milestones_are_reached_on_the_hour_itself():
    assert MILESTONES == (50, 100, 300)
    assert recognition(0).reached == () and recognition(0).next_milestone == 50
    below = recognition(49.99)
    assert (below.reached, below.next_milestone, below.hours_to_next) == ((), 50, 0.0)
    assert recognition(50).reached == (50,) and recognition(50).next_milestone == 100
    assert recognition(120.5).hours_to_next == 179.5
    top = recognition(300)
    assert (top.reached, top.next_milestone, top.hours_to_next) == ((50, 100, 300), None, None)
