"""队伍: the alliance's teams (环保督导队、治安巡逻队…) — create, change, add and remove members,
deactivate — and their lists.

A team's name is unique in the community (409 naming `name`, checked under the alliance's lock).
A member may be in several teams; only active members of the same community join one. The
leader is one of the team's members: named at creation, they join the team with it; changed
later, they must be in it already (422 naming `leader_member_id`). Removing the leader from the
team is refused until another leader is chosen (409); a member who leaves the alliance leaves
their teams (members.leave). A deactivated team keeps its members and takes no new ones.

Who sees what: anyone who reads the community sees the teams and their sizes; the manager and
organisers also the leader's name and the members (phones as members.py shows them).
"""

from __future__ import annotations

from sqlalchemy import func, select

from wuye_core.plugins import Identity, db, get_for_update, local_today, mask_phone, record_audit

from . import vocab
from .access import NAME, is_organiser, sees_contact
from .alliance import alliance_row
from .i18n import N_
from .members import conflict, refuse, skills_of
from .models import Member, Team, TeamMember

FIELDS = ("name", "kind", "description", "leader_member_id")


def _name_taken(community_id: int, name: str, exclude: int | None = None) -> bool:
    return db.session.scalar(select(Team.id).where(Team.community_id == community_id, Team.name == name,
                                                   Team.id != (exclude or 0))) is not None


def _members_of(community_id: int, member_ids, field: str) -> list[Member]:
    """The members, each an active member of the community's alliance; else 422 naming `field`."""
    ids = list(dict.fromkeys(member_ids))
    found = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))} if ids else {}
    problems = []
    for member_id in ids:
        member = found.get(member_id)
        if member is None or member.community_id != community_id:
            problems.append(N_("No member %(id)s in this community's alliance.", id=member_id))
        elif member.status != "active":
            problems.append(N_("%(name)s has left the alliance and cannot join a team.", name=member.name))
    if problems:
        refuse({field: problems})
    return [found[i] for i in ids]


def _add(team: Team, members: list[Member]) -> list[int]:
    """Add the members not in the team yet; returns their ids."""
    inside = set(db.session.scalars(select(TeamMember.member_id).where(TeamMember.team_id == team.id)))
    added = []
    for member in members:
        if member.id not in inside:
            db.session.add(TeamMember(community_id=team.community_id, team_id=team.id, member_id=member.id,
                                      joined_on=local_today()))
            inside.add(member.id)
            added.append(member.id)
    db.session.flush()
    return added


def create_team(community_id: int, data: dict, actor: str) -> Team:
    """A new team with its members and leader (who joins it): 409 naming `name` if the community
    has a team of that name, 422 naming `leader_member_id` / `member_ids` for a member who is not
    an active one of the community."""
    alliance_row(community_id, lock=True)
    name = data["name"].strip()
    if not name:
        refuse({"name": [N_("Give the team's name.")]})
    if _name_taken(community_id, name):
        raise conflict("name", N_("The community has a team of this name already."))
    members = _members_of(community_id, data.get("member_ids") or [], "member_ids")
    leader_id = data.get("leader_member_id")
    if leader_id is not None:
        leader = _members_of(community_id, [leader_id], "leader_member_id")[0]
        if leader.id not in {m.id for m in members}:
            members.append(leader)
    team = Team(community_id=community_id, name=name, kind=data["kind"], description=data.get("description"),
                leader_member_id=None, active=True, created_by=actor)
    db.session.add(team)
    db.session.flush()
    _add(team, members)
    team.leader_member_id = leader_id
    db.session.flush()
    return team


def _in_team(team: Team, member_id: int) -> bool:
    return db.session.scalar(select(TeamMember.id).where(TeamMember.team_id == team.id,
                                                         TeamMember.member_id == member_id)) is not None


def update_team(team: Team, data: dict) -> Team:
    """Change a team's name, kind, description or leader (one of its members; null: none)."""
    alliance_row(team.community_id, lock=True)
    team = get_for_update(Team, team.id)
    changed = []
    if "name" in data:
        name = data["name"].strip()
        if not name:
            refuse({"name": [N_("Give the team's name.")]})
        if name != team.name and _name_taken(team.community_id, name, exclude=team.id):
            raise conflict("name", N_("The community has a team of this name already."))
        data = {**data, "name": name}
    if data.get("leader_member_id") is not None and data["leader_member_id"] != team.leader_member_id:
        _members_of(team.community_id, [data["leader_member_id"]], "leader_member_id")
        if not _in_team(team, data["leader_member_id"]):
            refuse({"leader_member_id": [N_("The leader must be one of the team's members: add them first.")]})
    for key in FIELDS:
        if key in data and data[key] != getattr(team, key):
            setattr(team, key, data[key])
            changed.append(key)
    if changed:
        record_audit(NAME, "amended", target_type="team", target_id=team.id, details={"fields": changed})
    db.session.flush()
    return team


def add_members(team: Team, member_ids: list[int]) -> list[int]:
    """Add members to an active team (409 naming `active` for a deactivated one); those in it
    already are left as they are. Returns the ids added."""
    team = get_for_update(Team, team.id)
    if not team.active:
        raise conflict("active", N_("This team is deactivated: reactivate it first."))
    return _add(team, _members_of(team.community_id, member_ids, "member_ids"))


def remove_member(team: Team, member_id: int) -> None:
    """Take a member out of the team (404 if not in it; 409 naming `member_id` for its leader)."""
    team = get_for_update(Team, team.id)
    row = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                     TeamMember.member_id == member_id))
    if row is None:
        refuse({"member_id": [N_("This member is not in the team.")]})
    if team.leader_member_id == member_id:
        raise conflict("member_id", N_("This member leads the team: choose another leader first."))
    db.session.delete(row)
    db.session.flush()


def set_active(team: Team, active: bool) -> Team:
    """Deactivate (or reactivate) a team; 409 naming `active` when it is so already."""
    team = get_for_update(Team, team.id)
    if team.active == active:
        raise conflict("active", N_("This team is active already.") if active else
                       N_("This team is deactivated already."))
    team.active = active
    db.session.flush()
    return team


# --- reading ---------------------------------------------------------------------------------------


def list_query(community_id: int, args: dict):
    stmt = select(Team).where(Team.community_id == community_id)
    if args.get("q"):
        stmt = stmt.where(Team.name.like(f"%{args['q'].strip()}%"))
    if args.get("kind"):
        stmt = stmt.where(Team.kind == args["kind"])
    if args.get("active") is not None:
        stmt = stmt.where(Team.active.is_(args["active"]))
    return stmt


def member_counts(team_ids) -> dict[int, int]:
    """{team id: members}: one grouped query."""
    ids = list(team_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(TeamMember.team_id, func.count(TeamMember.id))
                              .where(TeamMember.team_id.in_(ids)).group_by(TeamMember.team_id)).all()
    return {team_id: int(count) for team_id, count in rows}


def teams_out(teams: list[Team], identity: Identity, members: bool = False) -> list[dict]:
    """Teams with their sizes (and, for the manager and organisers, leaders' names; `members`: the
    members too): a fixed number of queries."""
    counts = member_counts(t.id for t in teams)
    community_ids = {t.community_id for t in teams}
    insiders = {cid for cid in community_ids if is_organiser(identity, cid)}
    leader_ids = [t.leader_member_id for t in teams if t.leader_member_id and t.community_id in insiders]
    leaders = dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(leader_ids))).all()) \
        if leader_ids else {}
    out = []
    for team in teams:
        inside = team.community_id in insiders
        out.append({
            "id": team.id, "community_id": team.community_id, "name": team.name, "kind": team.kind,
            "kind_label": vocab.label(vocab.TEAM_KINDS, team.kind), "description": team.description,
            "active": team.active, "leader_member_id": team.leader_member_id,
            "leader_name": leaders.get(team.leader_member_id) if inside else None,
            "member_count": counts.get(team.id, 0), "created_by": team.created_by,
            "members": team_members(team, identity) if members and inside else None,
        })
    return out


def team_members(team: Team, identity: Identity) -> list[dict]:
    """A team's members by name, the leader first: two queries."""
    rows = db.session.execute(select(Member, TeamMember.joined_on).join(TeamMember, TeamMember.member_id == Member.id)
                              .where(TeamMember.team_id == team.id).order_by(Member.name, Member.id)).all()
    skills = skills_of(m.id for m, _joined in rows)
    out = [{"member_id": m.id, "name": m.name, "kind": m.kind, "kind_label": vocab.label(vocab.MEMBER_KINDS, m.kind),
            "phone": m.phone if sees_contact(identity, m) else None, "phone_masked": mask_phone(m.phone),
            "skills": [vocab.label(vocab.SKILLS, s.skill) for s in skills[m.id]], "joined_on": joined,
            "leader": m.id == team.leader_member_id} for m, joined in rows]
    return sorted(out, key=lambda row: not row["leader"])
