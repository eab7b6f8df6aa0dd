"""People's posts in outside bodies 社会兼职: 行指委 委员, 协会副会长 … recorded with the person."""
